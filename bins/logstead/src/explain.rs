//! explainLogWithAI providers: the built-in explainer (default, no network) or any
//! OpenAI-compatible chat-completions endpoint (`[explain]` in the config file, or
//! `LOGSTEAD_EXPLAIN_*`). The use case itself is `logs_explain::ExplainService`.

use std::sync::Arc;
use std::time::Duration;

use logs_explain::cache::ExplanationCache;
use logs_explain::throttle::Throttle;
use logs_explain::{ChatModel, ExplainService, ModelError, Provider};
use logs_query::LogStore;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    #[default]
    Builtin,
    Openai,
}

/// `[explain]` of the config file; every key also reads `LOGSTEAD_EXPLAIN_<KEY>`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainFile {
    pub provider: Option<ProviderKind>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key: Option<String>,
    pub timeout_secs: Option<u64>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct ExplainSettings {
    pub provider: ProviderKind,
    /// Without a trailing slash; `/chat/completions` is appended.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub timeout_secs: u64,
}

/// The key stays out of logs and debug output.
impl std::fmt::Debug for ExplainSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExplainSettings")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

impl Default for ExplainSettings {
    fn default() -> Self {
        Self {
            provider: ProviderKind::Builtin,
            base_url: "https://api.openai.com/v1".into(),
            // PostHog's model (spec §6).
            model: "gpt-4.1".into(),
            api_key: None,
            timeout_secs: 60,
        }
    }
}

impl ExplainSettings {
    /// Environment over file over default; `env` is `std::env::var` outside tests.
    pub fn resolve(file: ExplainFile, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = Self::default();
        let var = |k: &str| env(&format!("LOGSTEAD_EXPLAIN_{k}")).filter(|v| !v.is_empty());
        let provider = match var("PROVIDER") {
            Some(p) => serde_json::from_value(Value::String(p.to_lowercase()))
                .map_err(|_| format!("explain provider \"{p}\" is not builtin or openai"))?,
            None => file.provider.unwrap_or(d.provider),
        };
        let timeout_secs = match var("TIMEOUT_SECS") {
            Some(t) => {
                t.parse().map_err(|_| format!("LOGSTEAD_EXPLAIN_TIMEOUT_SECS \"{t}\" is not a number"))?
            }
            None => file.timeout_secs.unwrap_or(d.timeout_secs),
        };
        let s = Self {
            provider,
            base_url: var("BASE_URL")
                .or(file.base_url)
                .unwrap_or(d.base_url)
                .trim_end_matches('/')
                .to_string(),
            model: var("MODEL").or(file.model).unwrap_or(d.model),
            api_key: var("API_KEY").or(file.api_key).filter(|k| !k.is_empty()),
            timeout_secs,
        };
        if !(s.base_url.starts_with("http://") || s.base_url.starts_with("https://")) {
            return Err("explain base_url must start with http:// or https://".into());
        }
        if !(1..=600).contains(&s.timeout_secs) {
            return Err("explain timeout_secs must be between 1 and 600".into());
        }
        if s.model.trim().is_empty() {
            return Err("explain model must not be empty".into());
        }
        Ok(s)
    }
}

/// What every request shares: the provider, the cache and the throttle.
pub struct Explainer {
    pub provider: Provider,
    pub cache: Arc<ExplanationCache>,
    pub throttle: Arc<Throttle>,
}

impl Default for Explainer {
    fn default() -> Self {
        Self::new(&ExplainSettings::default())
    }
}

impl Explainer {
    pub fn new(s: &ExplainSettings) -> Self {
        let provider = match s.provider {
            ProviderKind::Builtin => Provider::Builtin,
            ProviderKind::Openai => Provider::Model(Arc::new(OpenAiChat::new(s))),
        };
        Self { provider, cache: Arc::default(), throttle: Arc::default() }
    }

    pub fn service(&self, store: Arc<dyn LogStore>) -> ExplainService {
        ExplainService {
            store,
            provider: self.provider.clone(),
            cache: self.cache.clone(),
            throttle: self.throttle.clone(),
        }
    }
}

/// An OpenAI-compatible `POST {base_url}/chat/completions` client with a strict
/// JSON-schema `response_format`.
pub struct OpenAiChat {
    agent: ureq::Agent,
    url: String,
    model: String,
    api_key: Option<String>,
}

impl OpenAiChat {
    pub fn new(s: &ExplainSettings) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(s.timeout_secs)))
            .build()
            .into();
        Self {
            agent,
            url: format!("{}/chat/completions", s.base_url),
            model: s.model.clone(),
            api_key: s.api_key.clone(),
        }
    }

    pub fn request_body(&self, system: &str, user: &str, schema: &Value) -> Value {
        json!({
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "log_explanation", "strict": true, "schema": schema},
            },
            "temperature": 0.2,
        })
    }
}

fn cut(s: &str) -> String {
    s.chars().take(300).collect()
}

impl ChatModel for OpenAiChat {
    fn complete(&self, system: &str, user: &str, schema: &Value) -> Result<String, ModelError> {
        let mut req = self.agent.post(&self.url).header("Content-Type", "application/json");
        if let Some(key) = &self.api_key {
            req = req.header("Authorization", format!("Bearer {key}"));
        }
        let body = self.request_body(system, user, schema);
        let mut resp = req
            .send_json(&body)
            .map_err(|e| ModelError::Unavailable(format!("the model request failed: {e}")))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| ModelError::Unavailable(format!("reading the model's answer failed: {e}")))?;
        if !(200..300).contains(&status) {
            return Err(ModelError::Unavailable(format!("the model answered HTTP {status}: {}", cut(&text))));
        }
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| ModelError::Malformed(format!("the model's answer is not JSON: {}", cut(&text))))?;
        let message = &v["choices"][0]["message"];
        if let Some(refusal) = message["refusal"].as_str() {
            return Err(ModelError::Malformed(format!("the model refused: {}", cut(refusal))));
        }
        message["content"].as_str().map(str::to_string).ok_or_else(|| {
            ModelError::Malformed("the model's answer has no choices[0].message.content".into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn builtin_by_default_env_over_file_and_bad_values_named() {
        let s = ExplainSettings::resolve(ExplainFile::default(), &env(&[])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s, ExplainSettings::default());
        let file = ExplainFile {
            provider: Some(ProviderKind::Openai),
            base_url: Some("http://127.0.0.1:9/v1/".into()),
            api_key: Some("from-file".into()),
            ..Default::default()
        };
        let s = ExplainSettings::resolve(file.clone(), &env(&[("LOGSTEAD_EXPLAIN_API_KEY", "from-env")]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (s.provider, s.base_url.as_str(), s.api_key.as_deref()),
            (ProviderKind::Openai, "http://127.0.0.1:9/v1", Some("from-env"))
        );
        assert!(!format!("{s:?}").contains("from-env"), "the key is not printed");
        let bad = ExplainSettings::resolve(file, &env(&[("LOGSTEAD_EXPLAIN_PROVIDER", "claude")]));
        assert!(bad.unwrap_err().contains("claude"));
    }
}
