# typing-sample: compare
"""Handing contexts to the stdlib modules that take one."""
import ftplib
import http.client
import imaplib
import poplib
import smtplib
import ssl
import urllib.request


def clients(ctx: ssl.SSLContext) -> None:
    conn = http.client.HTTPSConnection("example.org", context=ctx)
    conn.request("GET", "/")
    print(conn.getresponse().status)
    with urllib.request.urlopen("https://example.org", context=ctx) as resp:
        print(resp.read())
    handler = urllib.request.HTTPSHandler(context=ctx)
    print(urllib.request.build_opener(handler))
    with smtplib.SMTP("mail.example.org") as smtp:
        smtp.starttls(context=ctx)
    with smtplib.SMTP_SSL("mail.example.org", context=ctx) as smtps:
        smtps.noop()
    with ftplib.FTP_TLS("ftp.example.org", context=ctx) as ftp:
        ftp.prot_p()
    with imaplib.IMAP4_SSL("imap.example.org", ssl_context=ctx) as imap:
        imap.noop()
    pop = poplib.POP3_SSL("pop.example.org", context=ctx)
    pop.quit()
