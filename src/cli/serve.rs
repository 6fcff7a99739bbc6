//! `serve`: the HTTP service with its quarterly scheduler and the
//! notification deliverer, optionally on the demo city.

use std::path::Path;

use clap::Args;

use super::context::Context;
use crate::startup::Application;
use crate::storage::Database;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080)
    #[arg(long)]
    pub bind: Option<String>,
    /// On an empty database, first import the demo city in fixtures/demo.
    #[arg(long)]
    pub demo: bool,
}

pub fn serve(ctx: &Context, args: &ServeArgs) -> anyhow::Result<()> {
    let settings = &ctx.settings;
    let rules = ctx.rules()?;
    // The server's pool: its own size and short waits (503 rather than a hang).
    let db = Database::connect_with(
        &settings.database.url,
        settings.database.pool_size,
        settings.database.server_pool(),
    )?;
    if args.demo {
        let dir = Path::new(crate::service::demo::DEMO_DIR);
        crate::service::demo::seed(&db, &ctx.clock, &rules, dir)?;
    }
    let system = actix_web::rt::System::new();
    system.block_on(async {
        let app = Application::build_with(settings, db.clone(), rules, ctx.clock.clone())?;
        actix_web::rt::spawn(crate::service::scheduler::run(
            db.clone(),
            ctx.clock.clone(),
            crate::service::scheduler::Plan::from_settings(settings),
            app.metrics(),
        ));
        actix_web::rt::spawn(crate::service::delivery::run(
            db.clone(),
            ctx.clock.clone(),
            settings.notifications.clone(),
        ));
        tracing::info!(bind = %settings.server.bind, port = app.port(), "propcredit is listening");
        app.run_until_stopped().await?;
        Ok::<(), anyhow::Error>(())
    })
}
