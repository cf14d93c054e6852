// The e-mail plugin's four exported entry points (vikno/sdk/entry.h).
#include "email_channel.h"
#include "vikno/sdk/entry.h"

VIKNO_DEFINE_CHANNEL(vikno::email::EmailChannel)
