//! Files in an S3-compatible object store (Aliyun OSS, MinIO, Ceph, AWS …) through the
//! `object_store` crate: `s3://bucket/prefix`, endpoint and credentials from the configuration
//! or the usual `AWS_*` variables.

use std::io;
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore, PutOptions, PutPayload};

use super::{checked, BoxFuture, FileStore, Stored};
use crate::config::S3Settings;

pub struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    url: String,
}

fn io_error(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
        e => io::Error::other(e),
    }
}

impl ObjectStorage {
    /// `url` is `s3://bucket` or `s3://bucket/prefix`.
    pub fn s3(url: &str, s: &S3Settings) -> anyhow::Result<ObjectStorage> {
        let parsed = url::Url::parse(url)?;
        let bucket = parsed.host_str().filter(|b| !b.is_empty());
        anyhow::ensure!(
            parsed.scheme() == "s3" && bucket.is_some(),
            "存储地址应为 s3://bucket/prefix：{url}"
        );
        let mut builder =
            object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket.unwrap_or_default());
        if let Some(v) = &s.endpoint {
            builder = builder.with_endpoint(v).with_allow_http(v.starts_with("http://"));
        }
        if let Some(v) = &s.region {
            builder = builder.with_region(v);
        }
        if let Some(v) = &s.access_key_id {
            builder = builder.with_access_key_id(v);
        }
        if let Some(v) = &s.secret_access_key {
            builder = builder.with_secret_access_key(v);
        }
        if let Some(v) = s.virtual_hosted_style {
            builder = builder.with_virtual_hosted_style_request(v);
        }
        Ok(ObjectStorage {
            store: Arc::new(builder.build()?),
            prefix: Path::from(parsed.path().trim_matches('/')),
            url: url.to_string(),
        })
    }

    fn path(&self, key: &str) -> io::Result<Path> {
        let key = checked(key)?;
        Ok(self.prefix.clone().join(&key[..2]).join(key))
    }

    async fn exists(&self, path: &Path) -> io::Result<bool> {
        let head = GetOptions { head: true, ..GetOptions::default() };
        match self.store.get_opts(path, head).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(io_error(e)),
        }
    }
}

impl FileStore for ObjectStorage {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let path = self.path(key)?;
            if self.exists(&path).await? {
                return Ok(());
            }
            // An object store writes whole objects atomically: a reader never sees half of one.
            let payload = PutPayload::from(bytes.to_vec());
            self.store.put_opts(&path, payload, PutOptions::default()).await.map_err(io_error)?;
            Ok(())
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Stored>> {
        Box::pin(async move {
            let got = self.store.get_opts(&self.path(key)?, GetOptions::default()).await.map_err(io_error)?;
            let size = got.meta.size;
            Ok(Stored { size, chunks: Box::pin(got.into_stream().map_err(io_error)) })
        })
    }

    fn keys(&self) -> BoxFuture<'_, io::Result<Vec<String>>> {
        Box::pin(async move {
            let mut keys: Vec<String> = self
                .store
                .list(Some(&self.prefix))
                .map(|m| m.map(|m| m.location.filename().unwrap_or_default().to_string()))
                .try_collect::<Vec<_>>()
                .await
                .map_err(io_error)?
                .into_iter()
                .filter(|k| checked(k).is_ok())
                .collect();
            keys.sort();
            Ok(keys)
        })
    }

    fn check(&self) -> BoxFuture<'_, io::Result<()>> {
        Box::pin(async move { self.exists(&self.prefix.clone().join("readyz")).await.map(|_| ()) })
    }

    fn describe(&self) -> String {
        self.url.clone()
    }
}
