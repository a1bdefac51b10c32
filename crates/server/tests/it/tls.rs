//! With `--tls-cert/--tls-key` the one port speaks TLS: ALPN picks HTTP/2 or HTTP/1.1 for REST,
//! and gRPC runs over h2 with TLS, on the same listener.

use api_playground::config::{ServeArgs, Settings};
use api_playground::pb;
use api_playground::pb::user_service_client::UserServiceClient;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

/// A self-signed certificate for `localhost`, written where `--tls-cert/--tls-key` can read it.
fn self_signed(dir: &std::path::Path) -> (String, ServeArgs) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let cert_pem = certified.cert.pem();
    std::fs::create_dir_all(dir).expect("temp dir");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, &cert_pem).expect("write cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write key");
    (cert_pem, ServeArgs { tls_cert: Some(cert), tls_key: Some(key), ..ServeArgs::on_free_port() })
}

#[tokio::test]
async fn tls_serves_rest_over_h2_and_http1_and_grpc_on_one_port() {
    let dir = std::env::temp_dir().join(format!("playground-tls-{}", std::process::id()));
    let (cert_pem, args) = self_signed(&dir);
    let settings = Settings::load(&args).expect("settings with TLS");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api_playground::app::serve(
        settings,
        listener,
        api_playground::app::Announce::Quiet,
        Box::pin(async {
            let _ = stopped.await;
        }),
    ));
    let base = format!("https://localhost:{port}");
    let root = reqwest::Certificate::from_pem(cert_pem.as_bytes()).expect("root");
    let client = |http1_only: bool| {
        let builder = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(root.clone())
            .resolve("localhost", ([127, 0, 0, 1], port).into());
        let builder = if http1_only { builder.http1_only() } else { builder };
        builder.build().expect("client")
    };

    for (http1_only, version) in [(false, reqwest::Version::HTTP_2), (true, reqwest::Version::HTTP_11)] {
        let response = client(http1_only)
            .get(format!("{base}/api/v1/users/42"))
            .header("x-api-key", "demo-read-key")
            .send()
            .await
            .expect("REST over TLS");
        assert_eq!(response.version(), version, "ALPN picks the version the client offers");
        assert_eq!(response.status(), 200);
        let user: serde_json::Value = response.json().await.expect("json");
        assert_eq!(user["id"], 42);
    }

    let tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&cert_pem)).domain_name("localhost");
    let channel = Channel::from_shared(format!("https://127.0.0.1:{port}"))
        .expect("uri")
        .tls_config(tls)
        .expect("tls config")
        .connect()
        .await
        .expect("gRPC over TLS connects");
    let mut users = UserServiceClient::new(channel);
    let mut request = tonic::Request::new(pb::GetUserRequest { id: 42 });
    request.metadata_mut().insert("x-api-key", "demo-read-key".parse().expect("metadata"));
    let user = users.get_user(request).await.expect("GetUser over TLS").into_inner();
    assert_eq!(user.user.expect("user").id, 42);

    let plain = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/healthz")).send().await;
    assert!(plain.is_err() || !plain.expect("answer").status().is_success(), "no cleartext on a TLS port");

    let _ = stop.send(());
    server.await.expect("server task").expect("server ends cleanly");
    let _ = std::fs::remove_dir_all(dir);
}
