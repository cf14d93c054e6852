#include "http/upload.h"

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/StreamCopier.h>

#include <sstream>

namespace vikno::http {
namespace {

class FilePart : public Poco::Net::PartHandler {
 public:
  void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
    std::string disposition;
    Poco::Net::NameValueCollection params;
    if (header.has("Content-Disposition"))
      Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition"), disposition,
                                                params);
    std::string bytes;
    Poco::StreamCopier::copyToString(stream, bytes);
    if (params.get("name", "") != "file") return;
    if (found) throw HttpError(400, "invalid_field", "send one part named 'file'");
    found = true;
    file.bytes = std::move(bytes);
    file.name = params.get("filename", "");
    file.type = header.get("Content-Type", "");
  }
  bool found = false;
  UploadedFile file;
};

HttpError TooLarge(int64_t limit) {
  return HttpError(413, "payload_too_large",
                   "the upload is larger than " + std::to_string(limit) + " bytes");
}

}  // namespace

UploadedFile ReadUploadedFile(Call& call, int64_t limit) {
  auto& request = call.request();
  if (request.getContentType().rfind("multipart/form-data", 0) != 0)
    throw HttpError(415, "unsupported_media_type", "send the file as multipart/form-data");
  if (request.hasContentLength() && request.getContentLength64() > limit) throw TooLarge(limit);
  std::string body;
  {
    std::istream& in = request.stream();
    char buf[65536];
    while (in) {
      in.read(buf, sizeof buf);
      body.append(buf, static_cast<size_t>(in.gcount()));
      if (static_cast<int64_t>(body.size()) > limit) throw TooLarge(limit);
    }
  }
  FilePart part;
  try {
    std::istringstream in(body);
    Poco::Net::HTMLForm form;
    form.setFieldLimit(100);
    form.load(request, in, part);
  } catch (const HttpError&) {
    throw;
  } catch (const Poco::Exception& e) {
    throw HttpError(400, "malformed_multipart", "the multipart body is malformed: " + e.message());
  }
  if (!part.found) throw HttpError(422, "missing_file", "the form has no part named 'file'");
  return std::move(part.file);
}

}  // namespace vikno::http
