// The SMS plugin's four exported entry points (vikno/sdk/entry.h).
#include "sms_channel.h"
#include "vikno/sdk/entry.h"

VIKNO_DEFINE_CHANNEL(vikno::sms::SmsChannel)
