#include "conversation/conversation_service.h"

#include <date/tz.h>

#include <functional>

#include "core/phone.h"
#include "core/transitions.h"

namespace vikno::conversation {
namespace {

Actor ResidentActor(const std::string& id) { return Actor{Role::kResident, id, "", {}}; }

std::string FormatLocal(Timestamp t, const std::string& zone) {
  try {
    return date::format("%d.%m.%Y %H:%M", date::make_zoned(zone, t));
  } catch (const std::exception&) {  // an unknown zone: UTC rather than nothing
    return date::format("%d.%m.%Y %H:%M UTC", t);
  }
}

bool SameBuilding(const Address& event_address, const Address& resident) {
  if (event_address.registry_id && resident.registry_id)
    return *event_address.registry_id == *resident.registry_id;
  if (event_address.street != resident.street || event_address.street.empty()) return false;
  return event_address.house.empty() || event_address.house == resident.house;  // a whole street
}

}  // namespace

bool ChannelHasButtons(const std::string& channel) {
  return channel == "telegram" || channel == "viber" || channel == "web";
}

sdk::OutboundMessage ToOutbound(const Reply& reply, const std::string& chat_id, bool buttons,
                                const Messages& messages) {
  sdk::OutboundMessage out;
  out.chat_id = chat_id;
  if (!buttons) {
    out.text = RenderNumbered(reply, messages);
    return out;
  }
  out.text = reply.text;
  if (reply.buttons.empty()) return out;
  sdk::Keyboard kb;
  kb.kind = reply.reply_keyboard ? sdk::Keyboard::Kind::kReply : sdk::Keyboard::Kind::kInline;
  kb.one_time = reply.reply_keyboard;
  for (const auto& b : reply.buttons) {
    sdk::Button button;
    button.text = b.label;
    button.data = b.payload;
    button.action =
        b.kind == ReplyButton::Kind::kRequestLocation  ? sdk::Button::Action::kRequestLocation
        : b.kind == ReplyButton::Kind::kRequestContact ? sdk::Button::Action::kRequestContact
                                                       : sdk::Button::Action::kReply;
    kb.rows.push_back({std::move(button)});  // one per row: labels are long Ukrainian phrases
  }
  out.keyboard = std::move(kb);
  return out;
}

ConversationService::ConversationService(Store& store, ConversationRepository& repo,
                                         AppealService& appeals, FileStore& files,
                                         const Messages& messages, const AddressMatcher* matcher,
                                         Clock& clock, ReplySink& sink, ConversationOptions options)
    : store_(store),
      repo_(repo),
      appeals_(appeals),
      files_(files),
      messages_(messages),
      matcher_(matcher),
      clock_(clock),
      sink_(sink),
      options_(std::move(options)) {}

std::mutex& ConversationService::LockFor(const std::string& channel, const std::string& chat_id) {
  return locks_[std::hash<std::string>{}(channel + '\x1f' + chat_id) % locks_.size()];
}

Resident ConversationService::FindOrRegister(const std::string& channel,
                                             const std::string& chat_id) {
  if (auto binding = store_.FindChannelBindingByChat(channel, chat_id)) {
    if (auto resident = store_.FindResident(binding->resident_id)) return *resident;
  }
  // B13 (blackout-tolerant SMS): on "sms" the chat id is the sender's phone.
  // When exactly one resident gave that number (a contact shared in Telegram,
  // or taken by an operator), this chat is theirs: their consent, addresses
  // and appeals come with it and the appeal arrives with their address. Two
  // residents with one number: nobody is guessed, a new one registers.
  if (channel == "sms") {
    if (auto phone = NormalizePhone(chat_id)) {
      auto known = store_.FindResidentsByPhone(*phone);
      if (known.size() == 1) {
        ChannelBinding binding;
        binding.resident_id = known.front().id;
        binding.channel = channel;
        binding.chat_id = chat_id;
        binding.created_at = binding.updated_at = clock_.Now();
        store_.UpsertChannelBinding(binding);
        return known.front();
      }
    }
  }
  // 000 §3.3: a unique id without any link to personal data.
  Resident resident;
  resident.id = NewResidentId();
  resident.created_at = clock_.Now();
  store_.CreateResident(
      resident, AuditEntry::By(Actor::System("conversation"), clock_.Now(), "resident", resident.id,
                               "register", "{\"channel\":\"" + channel + "\"}"));
  ChannelBinding binding;
  binding.resident_id = resident.id;
  binding.channel = channel;
  binding.chat_id = chat_id;
  binding.created_at = binding.updated_at = clock_.Now();
  store_.UpsertChannelBinding(binding);
  return resident;
}

DialogueState ConversationService::LoadState(const std::string& channel,
                                             const std::string& chat_id) {
  auto json = repo_.LoadDialogue(channel, chat_id);
  if (!json) return DialogueState{};
  auto state = DialogueState::FromJson(*json);
  if (state.ok()) return state.value();
  // A state this release cannot read: the dialogue starts again (the
  // resident's data, addresses and appeals are untouched), never a crash loop.
  DialogueState fresh;
  fresh.stage = Stage::kNew;
  return fresh;
}

Context ConversationService::BuildContext(const Resident& resident) {
  Context c;
  c.messages = &messages_;
  c.matcher = matcher_;
  c.blocked = repo_.IsResidentBlocked(resident.id);
  c.consent_given = resident.consent.has_value();
  c.consent_version = options_.consent_version;
  c.retention_years = options_.retention_years;
  if (c.blocked) return c;  // nothing else is shown to a blocked resident (R30)
  c.categories = store_.ListCategories();
  c.addresses = repo_.ListResidentAddresses(resident.id);
  // Listed only when a step shows them (Context::AppealList): most steps
  // of a report never do, and the list with its executors was the costliest
  // read of a step (issue 4).
  c.load_appeals = [this, resident_id = resident.id] {
    std::vector<AppealSummary> out;
    std::map<std::string, std::string> category_names;
    for (const auto& cat : store_.ListCategories()) category_names[cat.id] = cat.name;
    AppealQuery q;
    q.resident_id = resident_id;
    q.limit = 20;
    if (auto page = appeals_.List(q, ResidentActor(resident_id)); page.ok()) {
      for (const auto& a : page->items) {
        AppealSummary s;
        s.id = a.id;
        s.number = a.number;
        s.status = a.status;
        s.category_name = category_names.count(a.category) ? category_names[a.category] : "";
        s.address = a.address.empty() ? "" : FormatAddress(a.address, messages_);
        s.can_cancel =
            CheckTransition(a.status, TransitionRequest{"cancel", Role::kResident, ""}).ok();
        out.push_back(std::move(s));
      }
    }
    return out;
  };
  c.load_directory = [this] {
    std::vector<Executor> out;
    for (auto& e : store_.ListExecutors())
      if (e.active) out.push_back(std::move(e));
    return out;
  };
  if (!c.addresses.empty()) {
    c.load_outages = [this, addresses = c.addresses] {
      std::vector<OutageNotice> out;
      std::map<std::string, std::string> executor_names;
      for (const auto& e : store_.ListExecutors()) executor_names[e.id] = e.name;
      const Timestamp now = clock_.Now();
      for (const auto& event : repo_.ListActiveEventsAt(addresses, now)) {
        if (!event.active(now)) continue;
        for (const auto& mine : addresses) {
          bool covered = std::any_of(event.addresses.begin(), event.addresses.end(),
                                     [&](const Address& a) { return SameBuilding(a, mine); });
          if (!covered) continue;
          OutageNotice n;
          n.kind = event.kind;
          n.reason = event.reason;
          n.executor_name = executor_names.count(event.executor_id)
                                ? executor_names[event.executor_id]
                                : event.executor_id;
          n.period = FormatLocal(event.starts_at, options_.time_zone) + " — " +
                     (event.ends_at ? FormatLocal(*event.ends_at, options_.time_zone) : "…");
          n.address = FormatAddress(mine, messages_);
          out.push_back(std::move(n));
        }
      }
      return out;
    };
  }
  return c;
}

Inbound ConversationService::ToInbound(const sdk::InboundMessage& m) {
  Inbound in;
  in.text = m.text;
  in.button = m.button;
  // Only the resident's own number: a forwarded contact card is someone else's.
  // Stored as E.164 (core/phone.h) so an SMS from it or an operator's search
  // finds this resident (B13, R4); a card whose number is not a phone is not
  // a contact (the rest of the message is still read).
  if (m.contact && (m.contact->user_id.empty() || m.contact->user_id == m.sender_id))
    in.contact_phone = NormalizePhone(m.contact->phone);
  if (m.location) in.location = GeoPoint{m.location->latitude, m.location->longitude};
  for (const auto& a : m.attachments) {
    auto stored = files_.Put(a.data, a.content_type, a.file_name);
    if (!stored.ok()) {
      in.file_refusal = stored.refusal().code;
      continue;
    }
    in.files.push_back(
        FileRef{stored->sha256, stored->content_type, stored->size, stored->original_name});
  }
  return in;
}

CommandOutcome ConversationService::Execute(const Command& cmd, Resident& resident,
                                            const std::string& channel) {
  const Actor actor = ResidentActor(resident.id);
  const Timestamp now = clock_.Now();
  auto refused = [](const Refusal& r) {
    CommandOutcome o;
    o.ok = false;
    o.refusal_code = r.code;
    return o;
  };
  switch (cmd.kind) {
    case Command::Kind::kRecordConsent:
      resident.consent = Consent{now, cmd.consent_version};
      store_.UpdateResident(resident,
                            AuditEntry::By(actor, now, "resident", resident.id, "consent",
                                           "{\"version\":\"" + cmd.consent_version + "\"}"));
      return {};
    case Command::Kind::kSavePhone: {
      Identity id = resident.identity.value_or(Identity{});
      id.phone = cmd.phone;
      resident.identity = id;
      store_.UpdateResident(resident, AuditEntry::By(actor, now, "resident", resident.id, "phone"));
      return {};
    }
    case Command::Kind::kSaveAddress:
      repo_.AddResidentAddress(resident.id, cmd.address, now);
      return {};
    case Command::Kind::kCreateAppeal: {
      NewAppeal in;
      in.description = cmd.draft.description;
      in.channel = channel;
      in.category = cmd.draft.category_id;
      in.address = cmd.draft.address;
      if (cmd.draft.location) in.address.point = *cmd.draft.location;  // the resident's own pin
      in.resident_id = resident.id;
      auto created = appeals_.Create(in, actor);
      if (!created.ok()) return refused(created.refusal());
      for (const auto& photo : cmd.draft.photos) {
        Attachment a;
        a.appeal_id = created->id;
        a.sha256 = photo.sha256;
        a.media_type = photo.media_type;
        a.size = photo.size;
        a.original_name = photo.name;
        a.uploaded_by = resident.id;
        a.created_at = now;
        store_.AddAttachment(a, AuditEntry::By(actor, now, "appeal", std::to_string(created->id),
                                               "attach", "{\"sha256\":\"" + photo.sha256 + "\"}"));
      }
      CommandOutcome o;
      o.appeal_number = created->number;
      return o;
    }
    case Command::Kind::kCancelAppeal: {
      auto r = appeals_.Transition(cmd.appeal_id, TransitionRequest{"cancel", Role::kResident, ""},
                                   actor);
      return r.ok() ? CommandOutcome{} : refused(r.refusal());
    }
    case Command::Kind::kConfirmFix: {
      auto r = appeals_.Transition(
          cmd.appeal_id,
          TransitionRequest{cmd.fixed ? "confirm" : "not_confirm", Role::kResident, ""}, actor);
      if (!r.ok()) return refused(r.refusal());
      CommandOutcome o;
      o.executor_id = r->lead_executor();
      if (auto e = store_.FindExecutor(o.executor_id)) o.executor_name = e->name;
      return o;
    }
    case Command::Kind::kRate: {
      if (!Rating::ValidScore(cmd.score)) return refused(Refuse("invalid_score", "score is 1..5"));
      Rating rating;
      if (cmd.appeal_id != 0) rating.appeal_id = cmd.appeal_id;
      rating.resident_id = resident.id;
      rating.executor_id = cmd.executor_id;
      rating.score = cmd.score;
      rating.comment = cmd.comment;
      rating.created_at = now;
      repo_.AddRating(rating);
      return {};
    }
  }
  return {};
}

void ConversationService::Run(const Chat& chat, DialogueState /*state*/, StepResult result,
                              Resident& resident, const std::string& key_base) {
  std::vector<Reply> replies = std::move(result.replies);
  DialogueState next = std::move(result.next);
  for (const auto& cmd : result.commands) {
    CommandOutcome outcome = Execute(cmd, resident, chat.channel);
    // The context after the command (a saved address, a cancelled appeal)
    // is what the follow-up replies should show.
    StepResult follow = Report(next, cmd, outcome, BuildContext(resident));
    next = std::move(follow.next);
    for (auto& r : follow.replies) replies.push_back(std::move(r));
  }
  repo_.SaveDialogue(chat.channel, chat.chat_id, resident.id, next.ToJson(), clock_.Now());
  for (size_t i = 0; i < replies.size(); ++i)
    sink_.Deliver(chat.channel, chat.chat_id, replies[i], key_base + ":" + std::to_string(i));
}

void ConversationService::Handle(const std::string& channel, const sdk::InboundMessage& message) {
  std::lock_guard lock(LockFor(channel, message.chat_id));
  Resident resident = FindOrRegister(channel, message.chat_id);
  if (button_handler_ && message.button && message.button->rfind(button_prefix_, 0) == 0) {
    if (auto text = button_handler_(channel, resident.id, *message.button)) {
      Reply reply;
      reply.keys = {button_prefix_};
      reply.text = std::move(*text);
      sink_.Deliver(channel, message.chat_id, reply,
                    "reply:" + channel + ":" + message.provider_id + ":0");
      return;
    }
  }
  DialogueState state = LoadState(channel, message.chat_id);
  Inbound in = ToInbound(message);
  StepResult result = Step(state, in, BuildContext(resident));
  Run(Chat{channel, message.chat_id, resident.id}, std::move(state), std::move(result), resident,
      "reply:" + channel + ":" + message.provider_id);
}

void ConversationService::SetButtonHandler(std::string prefix, ButtonHandler handler) {
  button_prefix_ = std::move(prefix);
  button_handler_ = std::move(handler);
}

bool ConversationService::AskFixed(int64_t appeal_id, const std::string& executor_answer) {
  auto appeal = store_.FindAppeal(appeal_id);
  if (!appeal || appeal->resident_id.empty()) return false;
  // The appeal's own channel when the resident is subscribed there, else
  // the most recently used subscribed binding.
  std::optional<ChannelBinding> target;
  for (const auto& b : store_.ListChannelBindings(appeal->resident_id)) {
    if (!b.subscribed) continue;
    if (b.channel == appeal->channel) {
      target = b;
      break;
    }
    if (!target) target = b;
  }
  if (!target) return false;
  // The store's writer (a unit of work) BEFORE the chat's lock, the order
  // the intake workers take them in (their unit, then Handle's chat lock):
  // taking the chat's lock first could deadlock with a worker whose unit
  // holds the writer while it waits for a chat on the same lock stripe.
  auto unit = store_.BeginUnitOfWork();
  std::lock_guard lock(LockFor(target->channel, target->chat_id));
  auto resident = store_.FindResident(appeal->resident_id);
  if (!resident) return false;
  DialogueState state = LoadState(target->channel, target->chat_id);
  StepResult result = conversation::AskFixed(state, appeal->id, appeal->number, executor_answer,
                                             BuildContext(*resident));
  Run(Chat{target->channel, target->chat_id, resident->id}, std::move(state), std::move(result),
      *resident, "fixed:" + std::to_string(appeal->id) + ":" + std::to_string(appeal->version));
  unit->Commit();
  return true;
}

}  // namespace vikno::conversation
