// The Viber plugin's four exported entry points (vikno/sdk/entry.h).
#include "viber_channel.h"
#include "vikno/sdk/entry.h"

VIKNO_DEFINE_CHANNEL(vikno::viber::ViberChannel)
