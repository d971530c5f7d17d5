// The journal's MESSAGE_ID= of each lifecycle event, so that `journalctl MESSAGE_ID=...` finds
// every one and `journalctl -x` explains it (systemd/maintenanced.catalog carries the texts).
// Never change an id once released: admins' scripts and alerts match on them.
#pragma once

namespace maint::message_id {

inline constexpr const char* kScheduled = "195a08429dad4a68971ff932f6ca1f9b";
inline constexpr const char* kUpdated = "f1e50f6c4ff4476985e33d7a917d59e5";
inline constexpr const char* kUpcoming = "bd81d6b850ea41e7a3f231304dd3fe50";
inline constexpr const char* kStarted = "bbf8172d32864090b0f42f28e19dd1dc";
inline constexpr const char* kCompleted = "85ed02285fdd4fb38ce3cfc8f701af5c";  // also -with-errors
inline constexpr const char* kCancelled = "f5f8eff604d14f0286d95b51dad440a5";
inline constexpr const char* kFailed = "b007a8d835e74c65ba8da942b74d2feb";
inline constexpr const char* kHostFlipped = "564a685174e048be990acd53e6d58130";
inline constexpr const char* kAccessDenied = "ebb18efdcc5a4da08c1180601c0f2bf0";
inline constexpr const char* kProblem = "a9fc4e7736d04af4ba2acb76de1a1d5f";

}  // namespace maint::message_id
