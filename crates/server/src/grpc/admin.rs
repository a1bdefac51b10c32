//! `playground.v1.AdminService`: the maintenance switch as a unary RPC.

use std::sync::Arc;

use playground_domain::Operation;
use tonic::{Request, Response, Status};

use super::pb::admin_service_server::AdminService;
use super::pb::{SetMaintenanceRequest, SetMaintenanceResponse};
use super::{credentials, error::status};
use crate::gate::Gate;

pub struct AdminApi {
    pub gate: Arc<Gate>,
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn set_maintenance(
        &self,
        request: Request<SetMaintenanceRequest>,
    ) -> Result<Response<SetMaintenanceResponse>, Status> {
        let credentials = credentials(&request);
        let SetMaintenanceRequest { enabled, retry_after_seconds } = request.into_inner();
        let state = self
            .gate
            .call(&credentials, Operation::SetMaintenance, |pg, _| pg.set_maintenance(enabled, retry_after_seconds))
            .map_err(status)?;
        Ok(Response::new(SetMaintenanceResponse { enabled: state.enabled, retry_after_seconds: state.retry_after }))
    }
}
