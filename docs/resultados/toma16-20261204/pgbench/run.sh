#!/bin/bash
# run.sh NAME UNIQ FF TOAST SCRIPT
B=/usr/lib/postgresql/15/bin
P="-h 127.0.0.1 -p 15999 -U postgres"
sed -e "s/:UNIQ/$2/" -e "s/:FF/$3/" -e "s/:TOAST/$4/" schema.sql | $B/psql $P -q -d postgres >/dev/null
$B/psql $P -d postgres -qtAc "SELECT pg_stat_reset(); CHECKPOINT" >/dev/null
s=$($B/psql $P -d postgres -qtAc "SELECT sum(blks_hit+blks_read) FROM pg_stat_database WHERE datname='postgres'")
w0=$($B/psql $P -d postgres -qtAc "SELECT pg_current_wal_lsn()")
t0=$(date +%s.%N)
$B/pgbench $P -n -c 4 -j 2 -t 1800 -f $5 postgres 2>&1 | grep -E "tps|latency average" | tr '\n' ' '
t1=$(date +%s.%N)
echo
$B/psql $P -d postgres -qtAc "SELECT '$1', round(($t1-$t0)::numeric,2) AS secs, (SELECT count(*) FROM email_outbox WHERE status='sent') sent,
  pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$w0')) wal, n_tup_hot_upd, n_tup_upd, pg_size_pretty(pg_total_relation_size('email_outbox')) size
  FROM pg_stat_user_tables WHERE relname='email_outbox'"
