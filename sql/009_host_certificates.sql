-- Every certificate the control plane issued to a host, at registration or renewal. A renewal's proof
-- is checked against the host's newest valid one; revoked ones (every one of a decommissioned host) are
-- refused on every TLS handshake, by serial. Decommission also counts as revocation by itself (the
-- replicas' revoked set joins on hosts), so a crash between the two statements revokes nothing less.
CREATE TABLE host_certificates (
    serial           text PRIMARY KEY,          -- hex, upper case, as X509Certificate2.SerialNumber shows it
    host_id          uuid NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    certificate_pem  text NOT NULL,
    not_before       timestamptz NOT NULL,
    not_after        timestamptz NOT NULL,
    issued_at        timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz
);

CREATE INDEX host_certificates_host ON host_certificates (host_id, not_after DESC);
