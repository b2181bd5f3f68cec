//! The ways a notice leaves the building: e-mail over SMTP, the group robots of 企业微信 and 钉钉,
//! a generic JSON webhook signed with HMAC-SHA256, and the log (for trials and for an SMS gateway
//! not yet connected: a gateway is one more [`Channel`]). Each is configured in `[delivery]`.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

use super::batch::BoxFuture;

/// One message as the outbox hands it to a channel.
pub struct Letter<'a> {
    pub id: i64,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// A way to deliver messages. `Err` is what the organiser reads on the dead-letter page.
pub trait Channel: Send + Sync {
    /// Which queued messages this channel takes (`sms`, `email`, `robot`).
    fn takes(&self) -> &'static str;
    fn send<'a>(&'a self, letter: &'a Letter<'a>) -> BoxFuture<'a, Result<(), String>>;
}

/// Writes each message to the server log instead of sending it.
pub struct LogChannel;

impl Channel for LogChannel {
    fn takes(&self) -> &'static str {
        "sms"
    }
    fn send<'a>(&'a self, letter: &'a Letter<'a>) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let recipient = crate::domain::mask_phone(letter.recipient);
            tracing::info!(%recipient, subject = letter.subject, body = letter.body, "outbox message");
            Ok(())
        })
    }
}

/// `[delivery]` in the TOML file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverySettings {
    /// `smtp://user:password@host:587?tls=required`, `smtps://host:465`, or plain
    /// `smtp://127.0.0.1:25` for a relay on this machine.
    pub smtp: Option<String>,
    /// The sender, e.g. `清河市纪委监委 <notice@qinghe.gov.cn>`.
    pub from: Option<String>,
    /// `log` writes text messages to the server log (no gateway yet).
    pub sms: Option<String>,
    #[serde(default)]
    pub robots: Vec<Robot>,
    /// Attempts before a message is given up and shown as undeliverable (default 6).
    pub attempts: Option<i64>,
    /// The first wait before a retry, doubled each time up to an hour (default 30 s).
    pub retry_seconds: Option<i64>,
}

/// A group robot: every notice goes to its group too.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Robot {
    pub name: String,
    pub kind: RobotKind,
    pub url: String,
    /// 钉钉's 加签 secret, or the key a JSON webhook's signature is made with.
    pub secret: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RobotKind {
    Wecom,
    Dingtalk,
    Json,
}

/// The channels the settings configure.
pub fn configured(settings: &DeliverySettings) -> anyhow::Result<Vec<Box<dyn Channel>>> {
    let mut channels: Vec<Box<dyn Channel>> = Vec::new();
    match settings.sms.as_deref() {
        None => {}
        Some("log") => channels.push(Box::new(LogChannel)),
        Some(other) => {
            anyhow::bail!("delivery.sms 只能为 log（收到 {other}）；短信网关请按 docs/operations.md 接入")
        }
    }
    if let Some(url) = &settings.smtp {
        channels.push(Box::new(Email::new(url, settings.from.as_deref())?));
    }
    if !settings.robots.is_empty() {
        channels.push(Box::new(Robots::new(settings.robots.clone())?));
    }
    Ok(channels)
}

type Smtp = lettre::AsyncSmtpTransport<lettre::Tokio1Executor>;

/// E-mail through an SMTP server.
pub struct Email {
    transport: Smtp,
    from: lettre::message::Mailbox,
}

impl Email {
    pub fn new(url: &str, from: Option<&str>) -> anyhow::Result<Email> {
        let transport = Smtp::from_url(url)
            .map_err(|e| anyhow::anyhow!("delivery.smtp 无法识别：{e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .unwrap_or("清廉宣传周 <noreply@localhost>")
            .parse()
            .map_err(|e| anyhow::anyhow!("delivery.from 不是有效的发件人地址：{e}"))?;
        Ok(Email { transport, from })
    }
}

impl Channel for Email {
    fn takes(&self) -> &'static str {
        "email"
    }
    fn send<'a>(&'a self, letter: &'a Letter<'a>) -> BoxFuture<'a, Result<(), String>> {
        use lettre::AsyncTransport;
        Box::pin(async move {
            let to: lettre::message::Mailbox =
                letter.recipient.parse().map_err(|e| format!("收件地址无效：{e}"))?;
            let message = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(letter.subject)
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(letter.body.to_string())
                .map_err(|e| e.to_string())?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("邮件服务器拒绝或无法连接：{e}"))
        })
    }
}

/// The configured group robots; a message's recipient names the robot.
pub struct Robots {
    robots: Vec<Robot>,
    http: reqwest::Client,
}

impl Robots {
    pub fn new(robots: Vec<Robot>) -> anyhow::Result<Robots> {
        for r in &robots {
            url::Url::parse(&r.url).map_err(|e| anyhow::anyhow!("机器人“{}”的地址无效：{e}", r.name))?;
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Robots { robots, http })
    }
}

/// The names of the configured robots: each notice is queued once for each.
pub fn robot_names(settings: &DeliverySettings) -> Vec<String> {
    settings.robots.iter().map(|r| r.name.clone()).collect()
}

fn hmac_sha256(key: &str, text: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl Channel for Robots {
    fn takes(&self) -> &'static str {
        "robot"
    }
    fn send<'a>(&'a self, letter: &'a Letter<'a>) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let robot = self
                .robots
                .iter()
                .find(|r| r.name == letter.recipient)
                .ok_or_else(|| format!("没有名为“{}”的机器人（已从配置中删除？）", letter.recipient))?;
            let text = format!("{}\n{}", letter.subject, letter.body);
            let (url, body) = match robot.kind {
                // Both robots take the same text message; 钉钉 signs the address when 加签 is on.
                RobotKind::Wecom | RobotKind::Dingtalk => {
                    let mut url = url::Url::parse(&robot.url).map_err(|e| e.to_string())?;
                    if let (RobotKind::Dingtalk, Some(secret)) = (robot.kind, &robot.secret) {
                        let ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
                        let sign = base64::Engine::encode(
                            &base64::engine::general_purpose::STANDARD,
                            hmac_sha256(secret, &format!("{ms}\n{secret}")),
                        );
                        url.query_pairs_mut()
                            .append_pair("timestamp", &ms.to_string())
                            .append_pair("sign", &sign);
                    }
                    (url.to_string(), json!({"msgtype": "text", "text": {"content": text}}).to_string())
                }
                RobotKind::Json => (
                    robot.url.clone(),
                    json!({"id": letter.id, "subject": letter.subject, "body": letter.body}).to_string(),
                ),
            };
            let mut request = self
                .http
                .post(&url)
                .header("content-type", "application/json; charset=utf-8")
                .header("x-qinglian-message-id", letter.id.to_string());
            if let (RobotKind::Json, Some(secret)) = (robot.kind, &robot.secret) {
                let ts = crate::db::now();
                let signature = hex::encode(hmac_sha256(secret, &format!("{ts}.{body}")));
                request = request
                    .header("x-qinglian-timestamp", ts.to_string())
                    .header("x-qinglian-signature", format!("sha256={signature}"));
            }
            let resp = request
                .body(body)
                .send()
                .await
                .map_err(|e| format!("无法连接机器人“{}”：{e}", robot.name))?;
            let status = resp.status();
            let reply = reply_head(resp).await;
            if !status.is_success() {
                return Err(format!("机器人“{}”答复 HTTP {}：{}", robot.name, status.as_u16(), clip(&reply)));
            }
            // The group robots answer 200 with an error code when they refuse.
            if robot.kind != RobotKind::Json {
                let code = serde_json::from_str::<serde_json::Value>(&reply)
                    .ok()
                    .and_then(|v| v["errcode"].as_i64());
                if code != Some(0) {
                    return Err(format!("机器人“{}”拒绝了消息：{}", robot.name, clip(&reply)));
                }
            }
            Ok(())
        })
    }
}

/// The start of a robot's reply, read no further than [`REPLY_MAX`] bytes: a receiver that
/// answers with a flood costs this server nothing.
async fn reply_head(mut resp: reqwest::Response) -> String {
    let mut head = Vec::new();
    while head.len() < REPLY_MAX {
        match resp.chunk().await {
            Ok(Some(chunk)) => head.extend_from_slice(&chunk[..chunk.len().min(REPLY_MAX - head.len())]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Bytes of a reply read: enough for `{"errcode":0,"errmsg":"ok"}` and a reason.
const REPLY_MAX: usize = 4096;

/// At most 200 characters of a reply, for the dead-letter page.
fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}
