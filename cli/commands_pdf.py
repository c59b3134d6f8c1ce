"""`pdf verify FILE` and `vault export-ca --out FILE`: checking signed PDFs from the command
line, and handing out the vault CA's certificate so others can check them too
(docs/SIGNATURES.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cli.context import BadUsage, Context, Subcommands, command, emit, say

if TYPE_CHECKING:
    from cryptography import x509

# A signed contract is a few hundred KB; this only stops a wrong file from filling memory.
MAX_PDF_BYTES = 200 * 1024 * 1024
DER_SUFFIXES = (".cer", ".der", ".crt")


def cmd_verify(ctx: Context) -> int:
    from core.pdf.pki import load_pem_certificates
    from core.pdf.verify import verify_pdf

    args = ctx.args
    if bool(args.vault) != bool(args.user):
        raise BadUsage("--vault and --user go together (the vault's trusted roots are read "
                       "as that user)")
    path = Path(args.file).expanduser()
    if path.stat().st_size > MAX_PDF_BYTES:
        say(f"error: {path} is larger than {MAX_PDF_BYTES // (1024 * 1024)} MB; not a contract.")
        return 1
    data = path.read_bytes()
    roots: list[x509.Certificate] = []
    for ca in args.ca or []:
        roots.extend(load_pem_certificates(Path(ca).expanduser().read_bytes()))
    if args.vault and not roots:
        # A contract of this vault: its own checks too (both fields signed, the customer's
        # sealed by the vault's seal, the company's by a certificate the vault knows).
        with ctx.session() as session:
            report = session.contract_pdfs.verify(session.user, data)
        for line in report.summary():
            emit(line)
        return 0 if report.ok else 1
    if args.vault:
        with ctx.session() as session:
            roots.extend(session.signing.trust_roots())
    if not roots:
        say("No trusted certificate: give --vault DIR --user NAME, or --ca CA.pem (from "
            "`vault export-ca`). Without one, trust is unknown.")
    report = verify_pdf(data, roots)
    for line in report.summary():
        emit(line)
    return 0 if report.ok else 1


def cmd_export_ca(ctx: Context) -> int:
    from core.export_file import atomic_output, check_target
    from core.pdf.pki import cert_der, fingerprint, load_pem_certificates

    out = check_target(Path(ctx.args.out).expanduser())
    with ctx.session() as session:
        pem = session.signing.export_ca_pem(session.user)
    (cert,) = load_pem_certificates(pem)
    with atomic_output(out) as handle:
        # .cer/.der: binary DER, the form Adobe Reader's import dialog lists; otherwise PEM.
        handle.write(cert_der(cert) if out.suffix.lower() in DER_SUFFIXES else pem)
    say(f"Wrote the vault's CA certificate to {out}. It is public: give it to whoever must "
        "check your signed PDFs (docs/SIGNATURES.md). Compare this SHA-256 fingerprint with "
        "the one they see before they trust it:")
    emit(fingerprint(cert))
    return 0


def _task_group_of(sub: Subcommands, name: str) -> Subcommands:
    """The subcommands of an already registered command group (`vault`, from
    commands_vault), so this module can add its task without editing that one."""
    parser = sub.choices[name]
    for action in parser._actions:  # argparse keeps no public handle on a parser's subparsers
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError(name)


def register(sub: Subcommands, common: argparse.ArgumentParser,
             acting: argparse.ArgumentParser) -> None:
    pdf = sub.add_parser("pdf", help="check signed PDF documents",
                         description="Signed PDF documents.")
    tasks = pdf.add_subparsers(dest="task", required=True, metavar="TASK")
    verify = command(
        tasks, "verify", cmd_verify, [], help="check every signature of a PDF",
        description="Check every signature of FILE: intact, valid, made with a certificate "
        "that chains to a trusted root, and nothing but further signatures added after it. "
        "Trusted roots come from the vault (--vault DIR --user NAME) and/or --ca files. "
        "Prints one block per signature; exit status 0 only when all hold.")
    verify.add_argument("file", metavar="FILE", help="the PDF to check")
    verify.add_argument("--vault", metavar="DIR", help="trust this vault's CA and certificates")
    verify.add_argument("--user", metavar="NAME", help="who opens the vault (with --vault)")
    verify.add_argument("--ca", action="append", metavar="PEM",
                        help="trust the certificate(s) in this PEM file (repeatable)")
    verify.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input instead of the terminal")
    export = command(
        _task_group_of(sub, "vault"), "export-ca", cmd_export_ca, [common, acting],
        help="write the vault CA certificate (PEM)",
        description="Write the vault's certificate authority (public certificate only, PEM) "
        "to FILE, for Adobe Reader, pdfsig or anyone who must check the vault's signed PDFs. "
        "Creates the CA if no document was signed yet. Audited.")
    export.add_argument("--out", required=True, metavar="FILE",
                        help="the file to write: PEM, or DER when it ends in .cer/.der/.crt")
