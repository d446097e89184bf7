#!/bin/bash
# 040-hooks: real procmail and maildrop, with the recipes shipped in
# contrib/, piping into `kenchi deliver`.  Exit 75 makes the agent keep the
# message (it exits 75 to the MTA, which retries); a hard failure keeps a
# copy in the fallback maildir; nothing is lost either way.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/servers.sh"
. "$(dirname "$0")/../lib/kenchi.sh"

fb=$KT_TMP/fallback
mkdir -p "$fb/cur" "$fb/new" "$fb/tmp"
contrib_rc procmail "$KT_TMP/procmailrc" "$KENCHI" "$fb" "$KENCHI_CONF" "$KENCHI_DB"
contrib_rc maildrop "$KT_TMP/maildroprc" "$KENCHI" "$fb" "$KENCHI_CONF" "$KENCHI_DB"

procmail_hook_run "$KT_TMP/procmailrc" "$FIX/mail/en-plain.eml"
is $? 0 "procmail: delivered"
is "$(sql 'select count(*) from events')" 1 "procmail: the event is stored"
maildrop_hook_run "$KT_TMP/maildroprc" "$FIX/mail/en-qp.eml"
is $? 0 "maildrop: delivered"
is "$(sql 'select count(*) from events')" 2 "maildrop: the event is stored"
is "$(ls "$fb/new" | wc -l)" 0 "no fallback copies on success"

# Temporary failure: the database is busy (shim) -> 75 through the agent.
# procmail and maildrop are set-id and clean their environment, so the shim
# goes in through a wrapper that the recipes run in place of kenchi (with
# the one ASan option a preloaded shim needs, for the sanitizer build).
cat >"$KT_TMP/kenchi-busy" <<WRAP
#!/bin/sh
ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD=$KFAULT KFAULT_SQLITE_STEP=busy KFAULT_AFTER=8 exec $KENCHI "\$@"
WRAP
chmod +x "$KT_TMP/kenchi-busy"
contrib_rc procmail "$KT_TMP/procmailrc.busy" "$KT_TMP/kenchi-busy" "$fb" "$KENCHI_CONF" "$KENCHI_DB"
contrib_rc maildrop "$KT_TMP/maildroprc.busy" "$KT_TMP/kenchi-busy" "$fb" "$KENCHI_CONF" "$KENCHI_DB"
procmail_hook_run "$KT_TMP/procmailrc.busy" "$FIX/mail/en-base64.eml"
pm=$?
maildrop_hook_run "$KT_TMP/maildroprc.busy" "$FIX/mail/en-base64.eml"
md=$?
is "$pm" 75 "procmail passes 75 to the MTA, which keeps the message"
is "$md" 75 "maildrop passes 75 to the MTA"
is "$(ls "$fb/new" | wc -l)" 0 "a temporary failure leaves no fallback copy (no duplicate on retry)"
procmail_hook_run "$KT_TMP/procmailrc" "$FIX/mail/en-base64.eml"
is $? 0 "the MTA's retry succeeds"
is "$(sql 'select count(*) from events')" 3 "and stores the event once"

# A hard failure (unreadable configuration: exit 78): the agents keep a copy.
printf '[kenchi\n' >"$KT_TMP/broken.conf"
contrib_rc procmail "$KT_TMP/procmailrc.bad" "$KENCHI" "$fb" "$KT_TMP/broken.conf" "$KENCHI_DB"
contrib_rc maildrop "$KT_TMP/maildroprc.bad" "$KENCHI" "$fb" "$KT_TMP/broken.conf" "$KENCHI_DB"
procmail_hook_run "$KT_TMP/procmailrc.bad" "$FIX/mail/en-8bit.eml"
is $? 0 "procmail: a hard failure is not bounced"
is "$(ls "$fb/new" | wc -l)" 1 "procmail keeps a copy in the fallback maildir"
maildrop_hook_run "$KT_TMP/maildroprc.bad" "$FIX/mail/en-8bit.eml"
is $? 0 "maildrop: a hard failure is not bounced"
is "$(ls "$fb/new" | wc -l)" 2 "maildrop keeps a copy in the fallback maildir"
cmp -s "$fb/new/$(ls "$fb/new" | head -1)" "$FIX/mail/en-8bit.eml"
ok $? "the fallback copy is the message itself"
f=$(ls "$fb/new" | head -1)
"$KENCHI" deliver <"$fb/new/$f"
is $? 0 "re-feeding the fallback copy after the fix stores it"

# A message larger than kenchi reads (KENCHI_MESSAGE_MAX, lowered here):
# exit 65, and the agents keep it as for any hard failure.
n=$(ls "$fb/new" | wc -l)
m=$(sql 'select count(*) from messages')
procmail_hook_run KENCHI_MESSAGE_MAX=1000 "$KT_TMP/procmailrc" "$FIX/mail/en-qp.eml"
is $? 0 "procmail: a message too big for kenchi is not bounced"
is "$(ls "$fb/new" | wc -l)" $((n + 1)) "procmail keeps it in the fallback maildir"
is "$(sql 'select count(*) from messages')" "$m" "and kenchi stored nothing of it"

done_testing
