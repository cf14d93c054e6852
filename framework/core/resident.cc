#include "core/resident.h"

#include <random>

namespace vikno {

std::string NewResidentId() {
  static thread_local std::random_device device;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (int i = 0; i < 4; ++i) {
    uint32_t word = device();
    for (int j = 0; j < 8; ++j, word >>= 4) id.push_back(kHex[word & 0xf]);
  }
  return id;
}

}  // namespace vikno
