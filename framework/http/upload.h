// One file sent as multipart/form-data in a part named "file": how the staff
// desk (api_requests.cc) and the residents' cabinet (api_cabinet.cc) receive
// attachments, with the same limits and the same errors.
#pragma once

#include <cstdint>
#include <string>

#include "http/router.h"

namespace vikno::http {

struct UploadedFile {
  std::string bytes;
  std::string name;  // the part's filename
  std::string type;  // the part's Content-Type, as the client declared it
};

// Throws HttpError: 415 not multipart, 413 over `limit` bytes (declared or
// read: at most limit + 1 bytes are ever kept, so an oversized chunked body is
// never held whole), 400 malformed or two "file" parts, 422 no "file" part.
UploadedFile ReadUploadedFile(Call& call, int64_t limit);

}  // namespace vikno::http
