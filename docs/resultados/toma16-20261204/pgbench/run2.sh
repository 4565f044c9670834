#!/bin/bash
# run2.sh NAME SCRIPT [MODE]
B=/usr/lib/postgresql/15/bin
P="-h 127.0.0.1 -p 15999 -U postgres"
sed -e "s/:UNIQ//" -e "s/:FF/100/" -e "s/:TOAST//" schema.sql | $B/psql $P -q -d postgres >/dev/null 2>&1
$B/psql $P -q -d postgres -f fnloop.sql >/dev/null
$B/psql $P -d postgres -qtAc "CHECKPOINT" >/dev/null
PGOPTIONS="-c plan_cache_mode=force_custom_plan" $B/pgbench $P -n -M ${3:-simple} -c 4 -j 2 -t 1800 -f $2 postgres 2>&1 | grep -E "tps" | sed "s/^/$1 /"
$B/psql $P -d postgres -qtAc "SELECT '$1', status, count(*) FROM email_outbox GROUP BY status"
