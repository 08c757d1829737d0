#!/usr/bin/env bash
# Install `mailmerge serve --host` as a systemd service, so the workspace starts at boot as an
# unprivileged user (never root) and is reached from the office's PCs over HTTPS.
#
#   scripts/install-service.sh [--user NAME] [--host ADDRESS] [--port PORT] [--unit-file FILE] [--no-install]
#
# Run it in the project folder (the one with mailmerge.toml and .venv, after `make setup`).
# Without root (or with --no-install) it only writes the unit file (./mailmerge.service, or --unit-file)
# and prints the three commands that need root. As root it also installs and starts the unit.
set -euo pipefail

project=$(pwd -P)
user=${SUDO_USER:-$(id -un)}
host=0.0.0.0
port=8443
unit_file=
no_install=
while [ $# -gt 0 ]; do
    case "$1" in
        --user) user=$2; shift 2 ;;
        --host) host=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --unit-file) unit_file=$2; shift 2 ;;
        --no-install) no_install=1; shift ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "不明な指定です: $1（--help で使い方を表示）" >&2; exit 2 ;;
    esac
done

if [ ! -f "$project/mailmerge.toml" ] || [ ! -x "$project/.venv/bin/mailmerge" ]; then
    echo "$project に mailmerge.toml と .venv/bin/mailmerge がありません。プロジェクトのフォルダで make setup の後に実行してください。" >&2
    exit 1
fi
if [ "$user" = root ] || [ "$(id -u "$user" 2>/dev/null || echo 0)" -eq 0 ]; then
    echo "サービスは root では動かしません。--user で一般ユーザー（このフォルダの持ち主）を指定してください。" >&2
    exit 1
fi
if ! id "$user" >/dev/null 2>&1; then
    echo "ユーザー $user がいません。先に作ってください（root が必要）: sudo adduser --disabled-password $user" >&2
    exit 1
fi

unit_file=${unit_file:-$project/mailmerge.service}
cat > "$unit_file" <<UNIT
[Unit]
Description=ATS mailmerge workspace (HTTPS, sign-in)
Documentation=file://$project/README.md
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$user
WorkingDirectory=$project
ExecStart=$project/.venv/bin/mailmerge serve --config $project/mailmerge.toml --host $host --port $port --no-browser
# Files it writes (out/, archive/, office/) are for its user only, as the command line makes them.
UMask=0077
Restart=on-failure
RestartSec=5
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=full
ProtectKernelTunables=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes

[Install]
WantedBy=multi-user.target
UNIT
echo "ユニットファイルを書きました: $unit_file"

if [ "$(id -u)" -ne 0 ] || [ -n "$no_install" ]; then
    echo "次の 3 つは root が必要です（sudo で実行してください）:"
    echo "  sudo install -m 0644 $unit_file /etc/systemd/system/mailmerge.service"
    echo "  sudo systemctl daemon-reload"
    echo "  sudo systemctl enable --now mailmerge.service"
    exit 0
fi
install -m 0644 "$unit_file" /etc/systemd/system/mailmerge.service
systemctl daemon-reload
systemctl enable --now mailmerge.service
echo "mailmerge.service を有効にして起動しました。状態: systemctl status mailmerge / 記録: journalctl -u mailmerge"
