"""A throw-away certificate authority for tests of TLS settings: a CA and a certificate it
signed, as PEM files, the way a city's IT hands them to the desk."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Pem:
    ca: Path  # the CA's certificate
    certificate: Path  # a certificate the CA signed (a client's or a broker's)
    key: Path  # its private key

    def keystore(self) -> Path:
        """Key and certificate in one PEM file, as Kafka's `ssl.keystore.type=PEM` takes it."""
        both = self.certificate.with_suffix(".keystore.pem")
        both.write_bytes(self.key.read_bytes() + self.certificate.read_bytes())
        return both


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def issue(folder: Path, common_name: str = "kyoso-intake") -> Pem:
    """A new CA, and a certificate for `common_name` (also its DNS name) signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Kyoso test CA"))
        .issuer_name(_name("Kyoso test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    pem = Pem(folder / "ca.pem", folder / f"{common_name}.pem", folder / f"{common_name}.key")
    pem.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pem.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    pem.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pem
