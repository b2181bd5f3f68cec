-- Sign-in throttling counts recent failures per address.
CREATE INDEX audit_ip_at ON audit_log(ip, at);
