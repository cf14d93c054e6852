// Appeal statuses of R14 (000 §6.6) with their panel colours. Labels shown to
// people come from the messages files (key "status.<code>"), not from here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vikno {

enum class Status : uint8_t {
  kNew,                   // Нове, red (000 §6.6.2)
  kInWork,                // В роботі, green (000 §6.6.3)
  kAwaitingConfirmation,  // Очікує підтвердження, light blue (000 §6.6.4)
  kCompleted,             // Завершена, grey (000 §6.6.5)
  kNotConfirmed,          // Не підтверджена, yellow (000 §6.6.6)
  kRejected,              // відхилено з причиною (000 §5.3.9, §5.4.5)
  kAwaitingDetails,       // очікує уточнення від заявника (000 §5.4.6)
  kCancelled,             // скасовано заявником (002 §3.4)
  kReturnedForRework,     // повернуто на доопрацювання (001 §6.2, 002 §6.3.3)
  kStrategicPlan,         // включено до стратегічного плану (001 §4.6, 003 §2.4)
};

struct StatusInfo {
  Status status;
  std::string_view code;    // stable: stored in the database and used in the API
  std::string_view colour;  // CSS colour of the panel (R14)
  bool final;               // no further work is expected
};

const StatusInfo& Info(Status s);
std::string_view StatusCode(Status s);
std::optional<Status> ParseStatus(std::string_view code);
std::span<const StatusInfo> AllStatuses();

}  // namespace vikno
