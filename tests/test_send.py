"""`mailmerge send` against a real SMTP server (aiosmtpd on 127.0.0.1, STARTTLS + AUTH, a certificate made here).

What arrived is read with Python's e-mail parser, as a mail program would: the Japanese subject and
body, the attachments' bytes against the approved PDFs, one message per member.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import ipaddress
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import threading
from email import policy
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mailmerge import messages, smtp
from mailmerge.config import EmailSettings

from helpers import (
    TEMPLATES,
    made_once,
    mailmerge_command,
    make_cycle,
    manifest_rows,
    run_mailmerge,
)

PASSWORD = "s3cret-Passw0rd"
# One roster row a line, each cut into its cells' groups (the CSV is the lines joined).
ROSTER = (
    "\n".join(
        [
            "会員番号,会員名,部署,代表者役職,代表者氏名,郵便番号,住所1,住所2,加入状況,メールアドレス,送付方法",
            "0001,株式会社髙﨑画像診断センター,読影管理部,代表取締役,佐藤　健一,"
            "101-0062,東京都千代田区神田駿河台2丁目3番11号,駿河台青嶺ビル 5階,加入,kenichi.sato@example.jp,メール",
            "0002,医療法人社団翠光会,,理事長,鈴木　和子,"
            "113-0033,東京都文京区本郷3丁目18番4号,本郷グリーンテラス 3階,加入,ｓｕｚｕｋｉ＠example.jp,郵送とメール",
            "0003,合同会社ルミナリモート読影,業務推進部,代表社員,田中　浩二,"
            "980-0811,宮城県仙台市青葉区一番町1丁目7番22号,一番町スクエアビル 8階,未加入,,郵送",
            "0004,株式会社白樺ノース画像診断センター,遠隔読影事業部,代表取締役,伊藤　直樹,"
            "060-0808,北海道札幌市北区北八条西3丁目28番6号,,未加入,naoki.ito@example.jp,メール",
            "0005,一般社団法人みちのく遠隔読影支援機構,事務局,代表理事,渡辺　裕子,"
            "990-0039,山形県山形市香澄町2丁目4番15号,香澄町プレイス 2階,加入,yuko.watanabe@example.jp,メール",
        ]
    )
    + "\n"
)
ADDRESSES = {
    "0001": "kenichi.sato@example.jp",
    "0002": "suzuki@example.jp",
    "0004": "naoki.ito@example.jp",
    "0005": "yuko.watanabe@example.jp",
}
OK = "250 2.0.0 OK: queued"
EMAIL_TABLE = "\n[email]\n"


# ---------------------------------------------------------------------------------------------- the run, once


def cycle_with_email(folder: Path, roster: str) -> Path:
    """Return a cycle whose roster has the e-mail columns (and templates/email.txt beside its config)."""
    config = make_cycle(folder, roster_csv=roster)
    # The config declares both columns (optional, unprinted): only the roster gains them.
    assert 'email = { header = "メールアドレス", printed = false, check = "email" }' in config.read_text(
        encoding="utf-8"
    )
    return config


def _make_approved_run(folder: Path) -> None:
    config = cycle_with_email(folder / "cycle", ROSTER)
    (folder / "cycle" / "templates").mkdir()
    # The frozen copy: templates/email.txt is the secretariat's to reword; these tests read its words.
    shutil.copyfile(TEMPLATES / "email.txt", folder / "cycle" / "templates" / "email.txt")
    # The sender and reply address are part of the message an approval covers: set before approving.
    use_server(config, 25)
    done = run_mailmerge("run", "--config", str(config), "--out", str(folder / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_mailmerge(
        "approve", "--config", str(config), "--out", str(folder / "out"), "--all", "--reviewer", "事務局"
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def cycle(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A copy of an approved 5-member run (4 want e-mail); return its config."""
    made = made_once(tmp_path_factory, "send-run", _make_approved_run)
    shutil.copytree(made / "cycle", tmp_path / "cycle")
    shutil.copytree(made / "out", tmp_path / "out", ignore=shutil.ignore_patterns(".mailmerge.lock"))
    config = tmp_path / "cycle" / "mailmerge.toml"
    # The copied run is the cycle's own output folder (history reads the journal there).
    text, found = re.subn(r"(?m)^output = .*$", 'output = "../out"', config.read_text(encoding="utf-8"))
    assert found == 1
    config.write_text(text, encoding="utf-8")
    return config


def use_server(config: Path, port: int, **keys: str) -> None:
    table = {
        "host": '"127.0.0.1"',
        "port": str(port),
        "security": '"starttls"',
        "user": '"mailmerge"',
        "from": '"遠隔画像診断サービス連合会 事務局 <office@example.jp>"',
        "reply_to": '"office@example.jp"',
        "envelope_from": '"bounces@example.jp"',
        **keys,
    }
    lines = "\n".join(f"{key} = {value}" for key, value in table.items() if value)
    before = config.read_text(encoding="utf-8").partition(EMAIL_TABLE)[0]  # the [email] table is the last one
    config.write_text(f"{before}{EMAIL_TABLE}{lines}\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------- the server


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the trust anchor the sender is given via SSL_CERT_FILE)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailmerge test SMTP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Recorder:
    """The server's side: every message accepted, the logins seen, replies scripted per recipient."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[str, str, bool]] = []
        self.scripted: dict[str, list[str]] = {}
        self.hold_at: int | None = None  # block the n-th DATA (1-based) until released
        self.holding = threading.Event()
        self.release = threading.Event()
        self.data_count = 0

    async def handle_DATA(self, server, session, envelope):
        self.data_count += 1
        if self.hold_at == self.data_count:
            # The server has the message (a real one would deliver it) before the sender hears back.
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            self.holding.set()
            import asyncio

            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return OK
        answers = self.scripted.get(envelope.rcpt_tos[0], [])
        answer = answers.pop(0) if answers else OK
        if answer.startswith("250"):
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return answer

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"mailmerge" and auth_data.password == PASSWORD.encode()
        self.logins.append((auth_data.login.decode(), mechanism, session.ssl is not None))
        # handled=False: aiosmtpd itself answers a refusal with 535, as a real server does (True would send nothing).
        return AuthResult(success=ok, handled=False)

    def by_recipient(self) -> dict[str, list[email.message.EmailMessage]]:
        found: dict[str, list] = {}
        for _, rcpts, data in self.received:
            found.setdefault(rcpts[0], []).append(email.message_from_bytes(data, policy=policy.default))
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(certificate, monkeypatch: pytest.MonkeyPatch):
    """aiosmtpd on 127.0.0.1 with STARTTLS required before AUTH; stopped after the test."""
    recorder = Recorder()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=recorder.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv("MAILMERGE_SMTP_PASSWORD", PASSWORD)
    try:
        yield recorder, controller.port
    finally:
        recorder.release.set()
        controller.stop()


def send(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_mailmerge("send", "--config", str(config), "--out", str(config.parent.parent / "out"), *args)


def assert_private(done: subprocess.CompletedProcess[str]) -> None:
    """No password and no address (or part of one) in what the command printed."""
    said = done.stdout + done.stderr
    assert PASSWORD not in said
    for address in [*ADDRESSES.values(), "ｓｕｚｕｋｉ"]:
        assert address not in said and address.split("@")[0] not in said


# ---------------------------------------------------------------------------------------------- tests


def test_send_delivers_each_approved_member_once_with_the_approved_pdfs(cycle: Path, server) -> None:
    recorder, port = server
    use_server(cycle, port)
    done = send(cycle)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_private(done)
    assert "送信しました（メールサーバーが受け付けました）: 4 通" in done.stdout
    assert "  送付方法が郵送: 1 件: 0003" in done.stdout
    assert recorder.logins == [("mailmerge", "PLAIN", True)] or recorder.logins[0][2] is True

    got = recorder.by_recipient()
    assert sorted(got) == sorted(ADDRESSES.values())  # the 全角 address arrives NFKC'd
    assert all(len(messages) == 1 for messages in got.values())
    assert {mail_from for mail_from, _, _ in recorder.received} == {"bounces@example.jp"}
    out = cycle.parent.parent / "out"
    rows = {(r["member_id"], r["document"]): r for r in manifest_rows(out)}
    for member_id, address in ADDRESSES.items():
        message = got[address][0]
        assert message["Subject"] == (
            "ATS会員専用保険「遠隔画像診断専門賠償責任保険」"
            + ("更新" if member_id != "0004" else "")
            + "のご案内（一般社団法人 遠隔画像診断サービス連合会）"
        )
        # Read as RFC 2047 says (the space between two encoded words is not text): Python's
        # address parser keeps it, mail programs do not.
        raw = email.message_from_bytes((out / "mail" / f"{member_id}.eml").read_bytes(), policy=policy.compat32)
        assert str(make_header(decode_header(raw["From"]))) == "遠隔画像診断サービス連合会 事務局 <office@example.jp>"
        assert message["Date"].datetime.utcoffset() == dt.timedelta(hours=9)  # JST, as people read times
        body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # text's canonical CRLF
        assert "一般社団法人 遠隔画像診断サービス連合会 事務局" in body and "TEL 03-4446-1444" in body
        if member_id == "0001":
            assert body.startswith("株式会社髙﨑画像診断センター 読影管理部\n代表取締役 佐藤　健一 様\n")
            assert "〈ご加入いただいている会員の皆さまへ〉" in body and "未加入の会員" not in body
        attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
        assert sorted(attachments) == [
            f"ATS-2024-insurance-overview-{member_id}.pdf",
            f"ATS-2024-renewal-letter-{member_id}.pdf",
        ]
        for document, label in (("letter", "renewal-letter"), ("overview", "insurance-overview")):
            data = attachments[f"ATS-2024-{label}-{member_id}.pdf"]
            assert hashlib.sha256(data).hexdigest() == rows[(member_id, document)]["pdf_sha256"]
        # What was written before sending is what arrived, byte for byte.
        eml = (out / "mail" / f"{member_id}.eml").read_bytes()
        arrived = next(data for _, rcpts, data in recorder.received if rcpts == [address])
        assert eml.replace(b"\r\n", b"\n") == arrived.replace(b"\r\n", b"\n")

    history = run_mailmerge("history", "0001", "--config", str(cycle))
    assert history.returncode == 0, history.stdout + history.stderr
    lines = history.stdout.splitlines()
    assert lines[0].startswith("メールでの送付: 1 件（送信の記録 ") and lines[0].endswith("mail.db。封印前の記録です）")
    assert re.fullmatch(r"  メール  \d{4}-\d\d-\d\d \d\d:\d\d \(\+09:00\)  受け付け  250 2\.0\.0 OK: queued", lines[1])

    again = send(cycle)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "送信しました（メールサーバーが受け付けました）: 0 通" in again.stdout
    assert "  送信済み（サーバーが受け付け済み）: 4 件: 0001, 0002, 0004, 0005" in again.stdout
    assert len(recorder.received) == 4


def test_a_temporary_refusal_is_retried_and_a_permanent_one_reported(cycle: Path, server) -> None:
    recorder, port = server
    use_server(cycle, port)
    recorder.scripted = {
        "naoki.ito@example.jp": ["451 4.3.0 Try again later"],
        "yuko.watanabe@example.jp": ["550 5.1.1 <yuko.watanabe@example.jp>: Recipient address rejected"],
    }
    done = send(cycle)
    assert done.returncode == 1, done.stdout + done.stderr
    assert_private(done)
    assert "送信しました（メールサーバーが受け付けました）: 3 通" in done.stdout
    assert (
        "メールサーバーに拒否された会員: 1 件（会員ごとに、確かめることを下に書きます。直すと次の送信で送ります）"
        in done.stdout
    )
    assert (
        "  0005: メールサーバーがこのアドレスを受け付けませんでした（550 5.1.1）。"
        "名簿の「メールアドレス」を確かめてください" in done.stdout.splitlines()
    )
    assert "rejected" not in done.stdout
    assert sorted(recorder.by_recipient()) == ["kenichi.sato@example.jp", "naoki.ito@example.jp", "suzuki@example.jp"]
    states = (
        sqlite3.connect(cycle.parent.parent / "out" / "mail.db")
        .execute("SELECT state, reply FROM sendings WHERE member_id = '0004' ORDER BY id")
        .fetchall()
    )
    assert [s for s, _ in states] == ["queued", "sending", "deferred", "sending", "accepted"]
    assert states[2][1] == "451 4.3.0 Try again later"


def test_a_sender_killed_mid_batch_sends_nobody_twice(cycle: Path, server) -> None:
    recorder, port = server
    use_server(cycle, port)
    recorder.hold_at = 3  # the third message: handed over, the reply not yet read
    command = mailmerge_command("send", "--config", str(cycle), "--out", str(cycle.parent.parent / "out"))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    try:
        assert recorder.holding.wait(120), "the third message never reached the server"
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    recorder.release.set()  # the server then accepts it: delivered, though the sender never heard so

    done = send(cycle)
    assert done.returncode == 0, done.stdout + done.stderr
    received = [rcpts[0] for _, rcpts, _ in recorder.received]
    assert sorted(received) == sorted(ADDRESSES.values())  # everyone exactly once
    third = {v: k for k, v in ADDRESSES.items()}[received[2]]
    assert (
        f"送信したか不明な会員: 1 件: {third}（前回、送信の途中で止まりました。届いたか確かめ、"
        "届いていなければ --resend-unknown を付けて実行してください）"
    ) in done.stdout

    resent = send(cycle, "--resend-unknown", "--members", third)
    assert resent.returncode == 0, resent.stdout + resent.stderr
    assert [rcpts[0] for _, rcpts, _ in recorder.received].count(ADDRESSES[third]) == 2


def test_dry_run_writes_and_test_to_sends_one_marked_message(cycle: Path, server) -> None:
    recorder, port = server
    use_server(cycle, port)
    dry = send(cycle, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert recorder.received == [] and recorder.logins == []
    assert "試しの実行（--dry-run）のため、送信していません。" in dry.stdout
    out = cycle.parent.parent / "out"
    assert sorted(p.name for p in (out / "mail").glob("*.eml")) == ["0001.eml", "0002.eml", "0004.eml", "0005.eml"]

    test = send(cycle, "--test-to", "office@example.jp", "--members", "0002")
    assert test.returncode == 0, test.stdout + test.stderr
    assert "テスト送信しました: 会員番号 0002 のメールを指定のアドレスへ" in test.stdout
    ((_mail_from, rcpts, data),) = recorder.received
    assert rcpts == ["office@example.jp"]
    message = email.message_from_bytes(data, policy=policy.default)
    assert message["To"] == "office@example.jp"
    assert message["Subject"].startswith("【テスト送信】ATS会員専用保険")
    assert "医療法人社団翠光会" in message.get_body(("plain",)).get_content()
    # Never counted as sent: the real batch still sends all four.
    done = send(cycle)
    assert "送信しました（メールサーバーが受け付けました）: 4 通" in done.stdout


def test_no_login_without_encryption(cycle: Path, server, certificate) -> None:
    recorder, port = server
    use_server(cycle, port, security='"none"')
    done = send(cycle)
    assert done.returncode == 1
    assert '[email] の security = "none"（暗号化なし）は、このコンピューター上のサーバー' in done.stderr
    assert recorder.logins == []


def test_a_server_without_starttls_is_refused_before_login(cycle: Path, monkeypatch, certificate) -> None:
    recorder = Recorder()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=_free_port(), authenticator=recorder.authenticate, auth_require_tls=False
    )
    controller.start()
    monkeypatch.setenv("MAILMERGE_SMTP_PASSWORD", PASSWORD)
    try:
        use_server(cycle, controller.port)
        done = send(cycle)
    finally:
        controller.stop()
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"エラー: 127.0.0.1:{controller.port}: メールサーバーが "
        f"STARTTLS（暗号化）に対応していません。暗号化せずには送りません。"
        "[email] の security と port をサーバーの案内どおりに直してください"
    )
    assert recorder.logins == [] and recorder.received == []
    assert_private(done)


def test_check_reports_bad_addresses_and_mail_without_one_without_quoting_them(tmp_path: Path) -> None:
    lines = ROSTER.splitlines()
    lines[1] = lines[1].replace("kenichi.sato@example.jp", "kenichi.sato＠example..jp")
    lines[4] = lines[4].replace("naoki.ito@example.jp", "")
    lines[5] = lines[5].replace(",メール", ",ファクス")
    config = cycle_with_email(tmp_path / "cycle", "\n".join(lines) + "\n")
    done = run_mailmerge("check", "--config", str(config))
    assert done.returncode == 1
    assert (
        "members.csv:2: メールアドレス: メールアドレスとして読めません（@ "
        "の前後、使えない文字、全角の空白を確かめてください）" in done.stderr
    )
    assert (
        "members.csv:5: 送付方法: 送付方法がメールを含むのに、メールアドレス "
        "が空です。アドレスを書くか、送付方法を郵送にしてください" in done.stderr
    )
    assert "members.csv:6: 送付方法: 送付方法は 郵送・メール・郵送とメール のどれかにしてください" in done.stderr
    assert "kenichi" not in done.stdout + done.stderr


def test_check_refuses_a_japanese_domain_that_send_could_not_send_to(tmp_path: Path) -> None:
    """`check` said OK to naoki.ito@例え.jp; `send` then stopped the whole batch with a Python traceback
    at that member and left it 「送信したか不明」, though nothing had been handed to the server."""
    config = cycle_with_email(tmp_path / "cycle", ROSTER.replace("naoki.ito@example.jp", "naoki.ito@例え.jp"))
    done = run_mailmerge("check", "--config", str(config))
    assert done.returncode == 1
    assert f"cycle/members.csv:5: メールアドレス: {messages.ROSTER_EMAIL_NOT_ASCII}" in done.stderr.splitlines()
    assert "naoki" not in done.stdout + done.stderr and "例え" not in done.stdout + done.stderr
    # Written as the ASCII form the domain has in the mail system, the same address is taken.
    config.with_name("members.csv").write_text(
        ROSTER.replace("naoki.ito@example.jp", "naoki.ito@xn--r8jz45g.jp"), encoding="utf-8"
    )
    assert run_mailmerge("check", "--config", str(config)).returncode == 0


def test_a_full_width_sender_address_is_refused_before_any_member_is_left_unknown(cycle: Path, server) -> None:
    """envelope_from typed with the Japanese input on (ｂｏｕｎｃｅｓ＠…): send stopped with a Python traceback at
    MAIL FROM and left its first member 「送信したか不明」, though the server had been handed nothing."""
    recorder, port = server
    use_server(cycle, port, envelope_from='"ｂｏｕｎｃｅｓ＠example.jp"')
    done = send(cycle)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == "エラー: " + messages.CONFIG_EMAIL_NOT_ASCII.format(
        name="cycle/mailmerge.toml", key="envelope_from"
    )
    assert recorder.received == []
    use_server(cycle, port)
    again = send(cycle)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "送信したか不明" not in again.stdout + again.stderr and len(recorder.received) == len(ADDRESSES)


def test_print_leaves_out_the_members_who_get_e_mail_only(cycle: Path) -> None:
    done = run_mailmerge("print", "--config", str(cycle), "--out", str(cycle.parent.parent / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "メールだけで送る会員（送付方法がメール。印刷しません。mailmerge send で送ります）: 3 件: 0001, 0004, 0005"
        in done.stderr.splitlines()
    )
    with (cycle.parent.parent / "out" / "print" / "list.csv").open(encoding="utf-8-sig") as handle:
        listed = handle.read()
    assert "0002" in listed and "0003" in listed
    assert not any(member_id in listed for member_id in ("0001", "0004", "0005"))


def test_a_message_is_the_same_bytes_for_the_same_inputs_but_its_date(tmp_path: Path) -> None:
    from mailmerge import mail
    from mailmerge.config import EmailSettings

    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 400 + b"\n%%EOF\n")
    settings = EmailSettings(
        host="127.0.0.1",
        port=25,
        security="none",
        user="",
        sender="事務局 <office@example.jp>",
        reply_to="",
        envelope_from="",
        per_minute=0,
        per_day=0,
    )
    template = mail.EmailTemplate(TEMPLATES / "email.txt")
    context = {
        "organisation": "株式会社髙﨑①㈱",
        "department": "",
        "representative_title": "",
        "representative_name": "",
        "enrolled": True,
        "insurance_name": "保険",
        "association": "協会",
        "introduced": "2014年",
        "renewal_date": "x",
        "return_deadline": "y",
        "chairman_title": "理事長",
        "secretariat": {"name": "事務局", "postal_code": "100-0001", "address": "東京都", "tel": "03"},
    }
    attachment = mail.Attachment(
        "letter", "ATS-2024-renewal-letter-0001.pdf", pdf, hashlib.sha256(pdf.read_bytes()).hexdigest()
    )

    def build(moment: dt.datetime) -> mail.Message:
        return mail.build_message(
            settings,
            template,
            context,
            cycle="2024",
            member_id="0001",
            to="a@example.jp",
            recipient_name="株式会社髙﨑①㈱",
            attachments=[attachment],
            date=moment,
        )

    first = build(dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC))
    again = build(dt.datetime(2026, 12, 5, 11, 30, tzinfo=dt.UTC))
    assert first.content_sha256 == again.content_sha256 and first.message_id == again.message_id
    assert first.data != again.data and first.data.isascii()
    parsed = email.message_from_bytes(first.data, policy=policy.default)
    assert parsed["Date"] == "Fri, 04 Dec 2026 19:00:00 +0900"
    assert parsed.get_body(("plain",)).get_content().startswith("株式会社髙﨑①㈱\r\nご担当者 様")
    (part,) = parsed.iter_attachments()
    assert part.get_content() == pdf.read_bytes()


def test_a_line_starting_with_a_dot_arrives_as_written(server) -> None:
    """DATA's transparency (RFC 5321 4.5.2): a "." line start is doubled on the wire, so the message is not cut."""
    recorder, port = server
    settings = EmailSettings(
        host="127.0.0.1",
        port=port,
        security="starttls",
        user="mailmerge",
        sender="office@example.jp",
        reply_to="",
        envelope_from="",
        per_minute=0,
        per_day=0,
    )
    data = b"Subject: dots\r\n\r\n.first line\r\nmiddle\r\n.\r\n..last line\r\n"
    with smtp.Connection(settings, PASSWORD) as connection:
        reply = connection.send("office@example.jp", "kenichi.sato@example.jp", data)
    assert reply.accepted, reply
    ((_, _, arrived),) = recorder.received
    assert arrived == data


class RcptRefuser(Recorder):
    """A server that answers RCPT TO itself: scripted refusals, and addresses at which it drops the connection."""

    def __init__(self, recorder: Recorder, refusals: dict[str, list[str]], drop: set[str]) -> None:
        super().__init__()
        self.received, self.refusals, self.drop = recorder.received, refusals, drop

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.drop:
            server.transport.close()  # gone before answering: the sender has handed nothing over
            return "421 4.4.2 Closing"
        answers = self.refusals.get(address, [])
        if answers:
            return answers.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refusal_before_data_is_failed_or_deferred_never_unknown(cycle: Path, server, monkeypatch) -> None:
    """Refused at RCPT TO nothing was handed over: the member is failed (5xx) or retried (4xx), the batch goes on.
    The connection lost at RCPT TO (twice) stopped the batch and left the member 「送信したか不明」."""
    recorder, port = server
    refuser = RcptRefuser(
        recorder,
        {
            "kenichi.sato@example.jp": ["550 5.1.1 Recipient address rejected"],
            "naoki.ito@example.jp": ["451 4.3.0 Try again later"],
        },
        {"yuko.watanabe@example.jp"},
    )
    monkeypatch.setattr(recorder, "handle_RCPT", refuser.handle_RCPT, raising=False)
    use_server(cycle, port)
    done = send(cycle)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "送信したか不明" not in done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("エラー: 127.0.0.1: メールサーバーとの接続が切れました（")
    assert sorted(recorder.by_recipient()) == ["naoki.ito@example.jp", "suzuki@example.jp"]
    journal = sqlite3.connect(cycle.parent.parent / "out" / "mail.db")
    states = journal.execute("SELECT member_id, state, reply FROM sendings ORDER BY id").fetchall()
    journal.close()
    assert {m: (s, r) for m, s, r in states} == {
        "0001": ("failed", "550 5.1.1 Recipient address rejected"),
        "0002": ("accepted", OK),
        "0004": ("accepted", OK),
        "0005": ("queued", ""),
    }
    assert [(s, r) for m, s, r in states if m == "0004"][:3] == [
        ("queued", ""),
        ("sending", ""),
        ("deferred", "451 4.3.0 Try again later"),
    ]

    refuser.drop.clear()
    again = send(cycle)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "送信したか不明" not in again.stdout + again.stderr
    assert "送信しました（メールサーバーが受け付けました）: 2 通" in again.stdout  # 0005, and 0001 tried again
    assert sorted(recorder.by_recipient()) == sorted(ADDRESSES.values())
