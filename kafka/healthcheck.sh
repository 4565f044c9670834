#!/usr/bin/env bash
# Container health check for the pedidos image: GET /ready on the service's own port, over bash's
# /dev/tcp (the runtime image carries no curl). The port comes from HEALTH_PORT, else from the
# service's *_PORT variable, else each service's default (8080 solicitudes, 8081 notificaciones,
# 8082 procesamiento) is tried: a container runs exactly one service, so only one of them answers.
set -uo pipefail

ports="${HEALTH_PORT:-${SOLICITUDES_PORT:-} ${NOTIFICACIONES_PORT:-} ${PROCESAMIENTO_PORT:-}}"
[[ -n "${ports// /}" ]] || ports="8080 8081 8082"

for port in $ports; do
  # 3-second budget per port; the answer's status line decides. The inner script is single-quoted
  # on purpose: it gets the port as $1.
  # shellcheck disable=SC2016
  if status="$(timeout 3 bash -c '
      exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" >&3
      IFS= read -r line <&3 && printf "%s" "$line"' _ "$port" 2>/dev/null)"; then
    [[ "$status" == "HTTP/1."?" 200"* ]] && exit 0
  fi
done
exit 1
