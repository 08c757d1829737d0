"""The workspace's 文面 page: the templates downloaded to edit in Word, an edited one checked and proofed, then taken.

An upload is checked as `mailmerge check` checks it (proof.check_template), a 試し刷り is a chosen member's PDF
made from it by a real run into a folder of its own (proof.proof), and only on confirm does it replace the
template (versions.replace: the current one kept as <name>-YYYYMMDD-HHMMSS.docx).
"""

from __future__ import annotations

from pathlib import Path

from flask import abort, jsonify, redirect, request, send_file, url_for
from flask.typing import ResponseReturnValue

from mailmerge import cycle, messages, proof, settings, versions
from mailmerge.config import load_config
from mailmerge.errors import MailmergeError
from mailmerge.models import Member
from mailmerge.workspace import bp, page, problem_rows, review_state, workspace

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEMPLATE_MAX_BYTES = 16 << 20
PROOFS = "proofs"


def _template(document: str) -> Path:
    templates = review_state().config.documents
    if document not in templates:
        abort(404)
    return Path(templates[document])


def _proof_dir(document: str, upload_id: str) -> Path:
    return versions.upload_work_dir(_template(document), upload_id, PROOFS)


def _members() -> tuple[Member, ...]:
    """Return the current roster's members (as the last check read them), to choose whose 試し刷り to make."""
    checked, _ = workspace().check(review_state())
    return checked.roster.members if checked is not None else ()


@bp.get("/templates")
def templates_page() -> str:
    return _templates_view(None, [])


def _templates_view(typed: settings.Settings | None, problems: list[str]) -> str:
    review = review_state()
    checked, check_error = workspace().check(review)
    documents = []
    for name, path in review.config.documents.items():
        shown = review.config.display_path(path)
        documents.append(
            {
                "name": name,
                "label": messages.REVIEW_DOCUMENT_LABELS.get(name, name),
                "file": path.name,
                "when": cycle.jst(path.stat().st_mtime) if path.is_file() else "",
                "problems": [p for p in (checked.problems if checked else ()) if p.file == shown],
                "previous": [(v.path.name, cycle.jst(v.saved_at)) for v in versions.previous_versions(path)],
            }
        )
    upload = None
    document, upload_id = request.args.get("document", ""), request.args.get("upload", "")
    if document and upload_id:
        path = versions.upload_path(_template(document), upload_id)
        result = proof.check_template(review.config, document, path)
        shown = review.config.display_path(path)
        own = [p for p in result.problems if p.file == shown]
        pdf = _proof_dir(document, upload_id)
        ready = pdf / "proof.ready"
        upload = {
            "document": document,
            "label": messages.REVIEW_DOCUMENT_LABELS.get(document, document),
            "id": upload_id,
            "problems": [str(p).removeprefix(f"{shown}: ") for p in own],
            "errors": sum(1 for p in own if p.is_error),
            "proofed": ready.is_file(),
            # The proof's PDF is run/<group>/<member ID>/<document>.pdf: whose it is, to say and to keep chosen.
            "proofed_member": Path(ready.read_text(encoding="utf-8")).parent.name if ready.is_file() else "",
        }
    return page(
        "workspace/templates.html",
        documents=documents,
        upload=upload,
        check_error=check_error,
        members=[
            (m.member_id, f"{m.member_id} {m.display_name}（{messages.ARCHIVE_GROUP_WORDS[m.group]}）")
            for m in _members()
        ]
        if upload
        else [],
        rows=problem_rows,
        settings=typed or settings.read_settings(review.config.path),
        settings_problems=problems,
        date_labels=messages.SETTINGS_DATE_LABELS,
        saved=request.args.get("saved", ""),
    )


@bp.post("/settings")
def settings_save() -> ResponseReturnValue:
    review = review_state()
    typed = settings.Settings(request.form.get("cycle", ""), {k: request.form.get(k, "") for k in settings.DATE_KEYS})
    problems = settings.check_settings(typed.cycle, typed.dates)
    if problems:
        return _templates_view(typed, problems), 400
    cycle_changed = typed.cycle.strip() != review.config.cycle
    kept = settings.save_settings(review.config.path, typed.cycle, typed.dates)
    if cycle_changed:
        # The output folder follows the cycle: this start of the app keeps the folder it was given.
        said = messages.SETTINGS_CYCLE_SAVED.format(cycle=typed.cycle.strip(), kept=kept.name)
    else:
        review.config = load_config(review.config.path)  # the new dates, for the next run and 試し刷り
        said = messages.SETTINGS_SAVED.format(kept=kept.name)
    return redirect(url_for("workspace.templates_page", saved=said), code=303)


@bp.get("/templates/<document>.docx")
def template_download(document: str) -> ResponseReturnValue:
    path = _template(document)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=DOCX, as_attachment=True, download_name=path.name)


@bp.get("/templates/<document>/previous/<name>")
def template_previous(document: str, name: str) -> ResponseReturnValue:
    found = next((v.path for v in versions.previous_versions(_template(document)) if v.path.name == name), None)
    if found is None:
        abort(404)
    return send_file(found, mimetype=DOCX, as_attachment=True, download_name=found.name)


@bp.post("/templates/<document>/upload")
def template_upload(document: str) -> ResponseReturnValue:
    request.max_content_length = TEMPLATE_MAX_BYTES + (64 << 10)
    current = _template(document)
    sent = request.files.get("file")
    if sent is None:
        return jsonify(error=messages.UPLOAD_EMPTY), 400
    try:
        upload_id = versions.save_upload(
            current, sent.stream.read(TEMPLATE_MAX_BYTES + 1), Path(sent.filename or "").suffix, TEMPLATE_MAX_BYTES
        )
    except MailmergeError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(next=url_for("workspace.templates_page", document=document, upload=upload_id)), 201


@bp.post("/templates/<document>/proof")
def template_proof(document: str) -> ResponseReturnValue:
    upload_id = request.form.get("upload", "")
    members = [m.member_id for m in _members()]
    member_id = request.form.get("member") or (members[0] if members else "")
    if member_id not in members:
        abort(400, messages.PROOF_UNKNOWN_MEMBER.format(member_id=member_id))
    template = versions.upload_path(_template(document), upload_id)
    folder = _proof_dir(document, upload_id)
    # One member, a few seconds of LibreOffice: made in the request, the page waits for it.
    pdf = proof.proof(review_state().config, document, template, folder / "run", member_id)
    (folder / "proof.ready").write_text(str(pdf.relative_to(folder)), encoding="utf-8")
    return redirect(url_for("workspace.templates_page", document=document, upload=upload_id), code=303)


@bp.get("/templates/<document>/proof/<upload_id>.pdf")
def template_proof_pdf(document: str, upload_id: str) -> ResponseReturnValue:
    folder = _proof_dir(document, upload_id)
    ready = folder / "proof.ready"
    if not ready.is_file():
        abort(404)
    pdf = (folder / ready.read_text(encoding="utf-8")).resolve()
    if not pdf.is_relative_to(folder.resolve()) or not pdf.is_file():
        abort(404)
    return send_file(pdf, mimetype="application/pdf", download_name=f"試し刷り-{document}.pdf")


@bp.post("/templates/<document>/confirm")
def template_confirm(document: str) -> ResponseReturnValue:
    current = _template(document)
    upload_id = request.form.get("upload", "")
    if request.form.get("action") == "discard":
        versions.discard_upload(current, upload_id)
        return redirect(url_for("workspace.templates_page"), code=303)
    config = review_state().config
    path = versions.upload_path(current, upload_id)
    errors = [p for p in proof.check_template(config, document, path).errors if p.file == config.display_path(path)]
    if errors:
        abort(409, messages.TEMPLATE_HAS_ERRORS.format(count=len(errors)))
    versions.replace(current, upload_id)
    return redirect(url_for("workspace.templates_page", replaced=document), code=303)
