"""The outbound client's SSRF guard, for every address family, with no DNS query or connection leaving the
machine: name resolution is patched, and the only connections made go to loopback receivers."""

import datetime
import http.server
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from urllib3.exceptions import HTTPError

from secre import outbound_http
from secre.outbound_http import ForbiddenAddressError, address_allowed

PUBLIC = "93.184.216.34"

REFUSED_ALWAYS = [
    "169.254.169.254",  # cloud metadata (link-local)
    "169.254.1.1",
    "fe80::1",
    "fd00:ec2::254",  # AWS metadata over IPv6
    "100.100.100.200",  # Alibaba metadata
    "::ffff:169.254.169.254",  # IPv4-mapped metadata
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 (RFC 8215)
    "::ffff:0:a9fe:a9fe",  # IPv4-translated
    "::a9fe:a9fe",  # IPv4-compatible
    "168.63.129.16",  # Azure's wire server
    "224.0.0.1",
    "ff0e::1",
    "0.0.0.0",  # noqa: S104 (an address to refuse, not one to bind)
    "::",
]
REFUSED_UNLESS_PRIVATE = [
    "127.0.0.1",
    "::1",
    "10.0.0.5",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "fc00::1",
    "fec0::1",  # site-local
    "::ffff:10.0.0.5",
    "2002:0a00:0005::1",  # 6to4 of 10.0.0.5
    "64:ff9b::0a00:0005",  # NAT64 of 10.0.0.5
    "64:ff9b:1::a00:1",
    "::ffff:0:a00:1",
    "::a00:1",
    "192.0.0.192",
    "2001:0:4136:e378:8000:63bf:f5ff:fffa",  # Teredo of 10.0.0.5
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
]
ALLOWED = [PUBLIC, "2001:4860:4860::8888", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED_ALWAYS + REFUSED_UNLESS_PRIVATE)
def test_internal_addresses_are_refused(settings, address):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    assert not address_allowed(address)


@pytest.mark.parametrize("address", REFUSED_ALWAYS)
def test_link_local_metadata_multicast_and_unspecified_are_refused_in_every_mode(settings, address):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(settings, address):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    assert address_allowed(address)


def test_private_addresses_in_allow_private_mode(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    assert all(address_allowed(a) for a in ["127.0.0.1", "::1", "10.0.0.5", "::ffff:10.0.0.5", "fc00::1"])


class Resolver:
    """Stands in for socket.getaddrinfo: answers from a table (or lets IP literals through) and records names."""

    def __init__(self, monkeypatch, table):
        self.table, self.asked = table, []
        self.real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host, port, *args, **kwargs):
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in str(host) else socket.AF_INET, str(host))
            return self.real(host, port, *args, **kwargs)  # an IP literal: no DNS query
        except OSError:
            pass
        self.asked.append(host)
        answers = self.table[host]
        if isinstance(answers, list) and answers and isinstance(answers[0], list):
            answers = answers.pop(0)  # a changing answer (rebinding)
        family = lambda a: socket.AF_INET6 if ":" in a else socket.AF_INET  # noqa: E731
        return [(family(a), socket.SOCK_STREAM, 6, "", (a, port)) for a in answers]


@pytest.fixture
def no_connections(monkeypatch):
    import urllib3.util.connection

    made = []

    def guard(real):
        def guarded(address, *args, **kwargs):
            made.append(address[0])
            assert address[0] in ("127.0.0.1", "::1"), f"a connection left the machine: {address}"
            return real(address, *args, **kwargs)

        return guarded

    monkeypatch.setattr(socket, "create_connection", guard(socket.create_connection))
    monkeypatch.setattr(urllib3.util.connection, "create_connection", guard(urllib3.util.connection.create_connection))
    return made


@pytest.mark.parametrize(
    "answers", [["10.0.0.5"], ["169.254.169.254"], [PUBLIC, "127.0.0.1"], ["fd00:ec2::254"], ["::ffff:127.0.0.1"]]
)
def test_a_host_resolving_to_any_internal_address_is_refused_before_connecting(
    settings, monkeypatch, no_connections, answers
):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    Resolver(monkeypatch, {"hook.example": answers})
    with pytest.raises(ForbiddenAddressError):
        outbound_http.post("https://hook.example/x", body=b"{}", headers={})
    assert no_connections == []


@pytest.mark.parametrize(
    "url", ["https://hook.example:0/x", "https://hook.example:65536/x", "https://hook.example:99999/"]
)
def test_ports_outside_the_range_are_refused(monkeypatch, url):
    Resolver(monkeypatch, {"hook.example": [PUBLIC]})
    with pytest.raises(ForbiddenAddressError, match="port"):
        outbound_http.check_url(url)


class _Receiver(http.server.ThreadingHTTPServer):
    def __init__(self, body=b"ok", tls_context=None):
        self.requests, self.body = [], body
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.requests.append(dict(self.headers))
                self.send_response(200)
                self.send_header("content-length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        if tls_context is not None:
            self.socket = tls_context.wrap_socket(self.socket, server_side=True)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self):
        self.shutdown()
        self.server_close()


def test_the_checked_address_is_the_one_connected_to_even_if_dns_changes(settings, monkeypatch, no_connections):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    receiver = _Receiver()
    try:
        # First answer: loopback (allowed in this mode); a second query would get the metadata address.
        resolver = Resolver(monkeypatch, {"hook.example": [["127.0.0.1"], ["169.254.169.254"]]})
        response = outbound_http.post(f"http://hook.example:{receiver.port}/x", body=b"{}", headers={})
        assert response.status == 200
        assert resolver.asked == ["hook.example"]  # resolved once
        assert receiver.requests[0]["Host"] == f"hook.example:{receiver.port}"
        assert set(no_connections) == {"127.0.0.1"}
    finally:
        receiver.stop()


def test_a_response_body_is_read_up_to_the_cap(settings, monkeypatch, no_connections):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    receiver = _Receiver(body=b"x" * (1024 * 1024))
    try:
        Resolver(monkeypatch, {"hook.example": ["127.0.0.1"]})
        response = outbound_http.post(f"http://hook.example:{receiver.port}/x", body=b"{}", headers={})
        assert response.truncated and len(response.body) == outbound_http.MAX_RESPONSE_BYTES
        again = outbound_http.post(f"http://hook.example:{receiver.port}/x", body=b"{}", headers={})
        assert again.status == 200  # the cut connection was not reused half-read
    finally:
        receiver.stop()


def _certificates(tmp_path: Path, name: str) -> tuple[Path, ssl.SSLContext]:
    """A throwaway CA (its PEM path) and a server context presenting a certificate for ``name``."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Secre test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return ca_file, context


@pytest.mark.parametrize(("certificate_for", "ok"), [("hooks.example.test", True), ("evil.example.test", False)])
def test_tls_verifies_the_host_name_while_connecting_to_the_checked_address(
    settings, monkeypatch, no_connections, tmp_path, certificate_for, ok
):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    ca_file, context = _certificates(tmp_path, certificate_for)
    settings.OUTBOUND_CA_CERTS = str(ca_file)
    receiver = _Receiver(tls_context=context)
    try:
        Resolver(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})
        url = f"https://hooks.example.test:{receiver.port}/x"
        if ok:
            assert outbound_http.post(url, body=b"{}", headers={}).status == 200
        else:
            with pytest.raises(HTTPError, match="doesn.t match"):
                outbound_http.post(url, body=b"{}", headers={})
    finally:
        receiver.stop()


def test_timeout_is_a_deadline_for_the_whole_answer(settings, no_connections):
    """A receiver dripping its body (one byte every 0.4 s) is cut off at the timeout."""
    import time

    from secre.outbound_http import DeadlineExceededError

    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def drip():
        connection, _ = server.accept()
        connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n")
        try:
            for _ in range(20):
                time.sleep(0.4)
                connection.sendall(b"x")
        except OSError:
            pass  # cut off, as it should be
        connection.close()
        server.close()

    threading.Thread(target=drip, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(DeadlineExceededError):
        outbound_http.post(f"http://127.0.0.1:{server.getsockname()[1]}/", body=b"{}", headers={}, timeout=1.0)
    assert time.monotonic() - started < 2.5


def test_international_host_names_are_idna_encoded(settings, monkeypatch, no_connections):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    receiver = _Receiver()
    try:
        resolver = Resolver(monkeypatch, {"xn--e1afmkfd.xn--p1ai": ["127.0.0.1"]})
        response = outbound_http.post(f"http://пример.рф:{receiver.port}/x", body=b"{}", headers={})
        assert response.status == 200 and resolver.asked == ["xn--e1afmkfd.xn--p1ai"]
        assert receiver.requests[0]["Host"] == f"xn--e1afmkfd.xn--p1ai:{receiver.port}"
    finally:
        receiver.stop()
