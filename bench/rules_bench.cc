// classify + route + deadlines per appeal with the Sumy rules (issue 3):
// target at least 100,000 appeals per second per core.
//
// Usage: rules_bench [city_dir=rules/sumy] [appeals=300000]
// Run from the source root. Prints appeals per second on one thread (one
// core) and, for reference, on two threads.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "rules/lua_rules.h"

namespace {

struct Sample {
  const char* text;
  const char* flat;
};

// A realistic mix: what residents of Sumy write, with their typos,
// capitals and apostrophes, and some that match nothing.
const Sample kMix[] = {
    {"Порив трубопроводу на вулиці, вода б’є з-під асфальту", ""},
    {"Немає холодної води з самого ранку", "12"},
    {"НЕ ПРАЦЮЄ ЛІФТ у другому під'їзді, застрягли люди", "45"},
    {"Холодні батареї, немає опалення вже два дні", "7"},
    {"немає гарячої води", "3"},
    {"Не горять ліхтарі на вулиці Кооперативній, темно", ""},
    {"Зграя бродячих собак біля школи №5", ""},
    {"Вже тиждень не вивозять сміття у приватному секторі", ""},
    {"Тролейбус №2 не ходить за графіком, інтервал 40 хвилин", ""},
    {"Відкритий люк біля зупинки, небезпечно", ""},
    {"Таргани в підвалі, потрібна дезінсекція", "1"},
    {"Дорогу не розчистили від снігу, машини буксують", ""},
    {"Не покошена трава в сквері біля фонтану", ""},
    {"Слабкий тиск води на 9 поверсі", "88"},
    {"Відчувається запах газу в квартирі!", "5"},
    {"Немає світла на сходах, третій поверх", "21"},
    {"Добрий день, підкажіть, коли буде концерт на площі?", ""},
    {"Іржава вода з крана, неможливо пити", "9"},
    {"Брудний автобус, розбиті вікна, холодно", ""},
    {"На вулиці впало дерево на дроти", ""},
};

std::vector<vikno::Appeal> Appeals() {
  std::vector<vikno::Appeal> out;
  for (const auto& s : kMix) {
    vikno::Appeal a;
    a.description = s.text;
    a.channel = "telegram";
    a.address.city = "Суми";
    a.address.street = "вул. Соборна";
    a.address.house = "12";
    a.address.flat = s.flat;
    out.push_back(a);
  }
  return out;
}

// One appeal: classify (category, type, executors) and deadlines.
bool OneAppeal(vikno::rules::LuaRules& rules, vikno::Appeal a, vikno::Timestamp at) {
  vikno::Classification c = rules.Classify(a);
  a.category = c.category;
  a.type = c.type;
  a.executors = c.executors;
  vikno::Deadlines d = rules.ComputeDeadlines(a, at);
  return c.to_moderation || d.resolve_due.has_value();
}

double Run(vikno::rules::LuaRules& rules, int threads, long per_thread) {
  auto appeals = Appeals();
  std::atomic<long> sink{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      long ok = 0;
      vikno::Timestamp at = vikno::FromUnix(1'778'000'000 + t);
      for (long i = 0; i < per_thread; ++i) {
        ok += OneAppeal(rules, appeals[(i + t) % appeals.size()],
                        at + std::chrono::minutes(i % 10000));
      }
      sink += ok;
    });
  }
  for (auto& th : pool) th.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (sink.load() != threads * per_thread) std::fprintf(stderr, "unexpected results\n");
  return threads * per_thread / secs;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "rules/sumy";
  long n = argc > 2 ? std::atol(argv[2]) : 300000;
  vikno::rules::Options options;
  options.log = [](vikno::rules::LogLevel, const std::string&, const std::string&) {};
  auto rules = vikno::rules::LuaRules::Load(dir, options);
  Run(*rules, 1, 20000);  // warm-up: states built, caches hot
  double one = Run(*rules, 1, n);
  std::printf("rules_bench %s: classify + route + deadlines\n", dir.c_str());
  std::printf("  1 thread : %.0f appeals/s per core (%.2f us per appeal)\n", one, 1e6 / one);
  unsigned cores = std::thread::hardware_concurrency();
  if (cores >= 2) {
    double two = Run(*rules, 2, n / 2);
    std::printf("  2 threads: %.0f appeals/s in total (%.0f per thread)\n", two, two / 2);
  }
  auto s = rules->Stats();
  std::printf("  calls %llu, faults %llu\n", static_cast<unsigned long long>(s.calls),
              static_cast<unsigned long long>(s.faults));
  return 0;
}
