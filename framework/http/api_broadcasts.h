// Issue 6, broadcasts, surveys and ratings in the panel (R24, R25):
//   POST /api/v1/broadcasts      {kind, channel, street, house, emergency, text}
//                                -> 201 broadcast with progress (queued at once)
//   GET  /api/v1/broadcasts      ?limit=&before= -> {"items":[...]}
//   GET  /api/v1/broadcasts/{id} -> broadcast with progress per channel and ETA
//   POST /api/v1/surveys         {question, options[], channel, street, house} -> 201
//   GET  /api/v1/surveys         ?limit=&before= -> {"items":[...]}
//   GET  /api/v1/surveys/{id}    -> survey with answers per option and progress
//   GET  /api/v1/ratings         ?service=&from=&to=&limit=&before=
//                                -> {"summary":[...], "items":[...]}
// Roles are the BroadcastService's (broadcasts/broadcast_service.h):
// broadcasts and surveys for administrators (403 "forbidden" otherwise),
// ratings for administrators (all services) and moderators (their own).
// ApiDeps::broadcasts null: 503 "unavailable".
#pragma once

namespace vikno::http {

class Router;
struct ApiDeps;

// Registered by RegisterRoutes (api.cc).
void RegisterBroadcastRoutes(Router& router, const ApiDeps& deps);

}  // namespace vikno::http
