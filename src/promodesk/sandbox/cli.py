"""``promodesk sandbox``: run the TikTok Marketing API sandbox standalone."""

from __future__ import annotations

import typer

from promodesk.clikit import console
from promodesk.sandbox.config import DEFAULT_APP_ID, DEFAULT_SECRET, SandboxConfig

app = typer.Typer(help="Run a local TikTok Marketing API v1.3 sandbox.")


@app.callback(invoke_without_command=True)
def sandbox(
    port: int = typer.Option(8900, min=1, max=65535, help="port to listen on"),
    host: str = typer.Option("127.0.0.1", help="bind address"),
    app_id: str = typer.Option(DEFAULT_APP_ID, "--app-id", help="the test app's app_id"),
    secret: str = typer.Option(DEFAULT_SECRET, help="the test app's secret"),
    accounts: int = typer.Option(5, min=0, max=100_000, help="ad accounts"),
    campaigns: int = typer.Option(30, min=0, help="campaigns per ad account"),
    adgroups: int = typer.Option(60, min=0, help="ad groups per ad account"),
    ads: int = typer.Option(120, min=0, help="ads per ad account"),
    audiences: int = typer.Option(8, min=0, help="custom audiences per ad account"),
    deleted_percent: int = typer.Option(10, min=0, max=100, help="share of deleted entities"),
    qps: int = typer.Option(10, min=1, help="calls per second per app and endpoint"),
    qpm: int = typer.Option(600, min=1, help="calls per minute per app and endpoint"),
    no_rate_limit: bool = typer.Option(False, "--no-rate-limit", help="never answer 40100"),
    fault_rate: float = typer.Option(0.0, min=0.0, max=1.0, help="share of calls failing 50000"),
    slow_rate: float = typer.Option(0.0, min=0.0, max=1.0, help="share of slow answers"),
    slow_seconds: float = typer.Option(0.5, min=0.0, max=60.0, help="delay of a slow answer"),
    late_rate: float = typer.Option(
        0.0, min=0.0, max=1.0, help="share of calls counted late (queued on the way)"
    ),
    late_seconds: float = typer.Option(
        0.2, min=0.0, max=60.0, help="longest wait of a call counted late"
    ),
    seed: int = typer.Option(1, help="seed of the generated data"),
    settle: bool = typer.Option(
        False,
        "--settle",
        help="work out every ad account's report history before serving (a slower start; "
        "a report's first page then answers as fast as the others)",
    ),
) -> None:
    """Serve /open_api/v1.3/…, the authorization page /portal/auth and /sandbox-admin/stats."""
    import uvicorn

    from promodesk.sandbox.app import Sandbox, create_sandbox_app

    try:
        config = SandboxConfig(
            app_id=app_id,
            secret=secret,
            accounts=accounts,
            campaigns=campaigns,
            adgroups=adgroups,
            ads=ads,
            audiences=audiences,
            deleted_percent=deleted_percent,
            qps=qps,
            qpm=qpm,
            rate_limit=not no_rate_limit,
            fault_rate=fault_rate,
            slow_rate=slow_rate,
            slow_seconds=slow_seconds,
            late_rate=late_rate,
            late_seconds=late_seconds,
            seed=seed,
            kept_accounts=max(32, accounts) if settle else 32,
        )
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    base = f"http://{host}:{port}"
    console.rule("[bold green]TikTok Marketing API sandbox")
    console.print(f"  API:        {base}/open_api/v1.3/")
    console.print(f"  authorize:  {base}/portal/auth?app_id={app_id}&state=…&redirect_uri=…")
    console.print(f"  app_id:     {app_id}")
    console.print(f"  secret:     {secret}")
    console.print(
        f"  data:       {accounts} ad accounts × ({campaigns} campaigns, "
        f"{adgroups} ad groups, {ads} ads, {audiences} audiences)"
    )
    limit = f"{qps} QPS / {qpm} QPM per endpoint" if not no_rate_limit else "off"
    console.print(f"  rate limit: {limit}; stats at {base}/sandbox-admin/stats")
    console.rule()
    served = Sandbox(config, inline=True)
    if settle:
        from promodesk.sandbox.spend.model import settle_history

        with console.status("working out the report history of every ad account…"):
            days = settle_history(served.world)
        console.print(f"  settled:    {days:,} account days")
    uvicorn.run(create_sandbox_app(served), host=host, port=port, log_level="warning")
