// The Telegram plugin's four exported entry points (vikno/sdk/entry.h).
#include "telegram_channel.h"
#include "vikno/sdk/entry.h"

VIKNO_DEFINE_CHANNEL(vikno::telegram::TelegramChannel)
