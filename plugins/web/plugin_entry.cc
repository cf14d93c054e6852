// The web-chat plugin's four exported entry points (vikno/sdk/entry.h).
#include "vikno/sdk/entry.h"
#include "web_channel.h"

VIKNO_DEFINE_CHANNEL(vikno::web::WebChannel)
