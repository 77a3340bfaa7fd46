"""``promodesk shop-sandbox``: run the TikTok Shop Partner API sandbox standalone."""

from __future__ import annotations

import typer

from promodesk.clikit import console
from promodesk.shop_sandbox.config import DEFAULT_APP_KEY, DEFAULT_APP_SECRET, ShopSandboxConfig

app = typer.Typer(help="Run a local TikTok Shop Partner API sandbox.")


@app.callback(invoke_without_command=True)
def shop_sandbox(
    port: int = typer.Option(8901, min=1, max=65535, help="port to listen on"),
    host: str = typer.Option("127.0.0.1", help="bind address"),
    app_key: str = typer.Option(DEFAULT_APP_KEY, "--app-key", help="the test app's app_key"),
    app_secret: str = typer.Option(
        DEFAULT_APP_SECRET, "--app-secret", help="the test app's app_secret"
    ),
    shops: int = typer.Option(2, min=0, max=1000, help="shops"),
    products: int = typer.Option(40, min=0, help="products per shop"),
    skus: int = typer.Option(3, min=1, max=50, help="most SKUs of one product"),
    activities: int = typer.Option(16, min=0, help="activities per shop, in every status"),
    enrollments: int = typer.Option(12, min=0, help="products enrolled per activity"),
    coupons: int = typer.Option(6, min=0, help="coupons per shop"),
    activity_status: str = typer.Option(
        "mixed", help="status of the generated activities: mixed (every status) or one status"
    ),
    qps: int = typer.Option(10, min=1, help="calls per second per shop"),
    no_rate_limit: bool = typer.Option(False, "--no-rate-limit", help="never answer 36009002"),
    fault_rate: float = typer.Option(0.0, min=0.0, max=1.0, help="share of calls failing 36009003"),
    slow_rate: float = typer.Option(0.0, min=0.0, max=1.0, help="share of slow answers"),
    slow_seconds: float = typer.Option(0.5, min=0.0, max=60.0, help="delay of a slow answer"),
    remove_noop: bool = typer.Option(
        False, "--remove-noop", help="removals answer success but change nothing"
    ),
    webhook_url: str = typer.Option("", help="where webhooks are posted (none when empty)"),
    seed: int = typer.Option(1, help="seed of the generated data"),
) -> None:
    """Serve the Partner API, /api/v2/token/*, the authorization page /shop-portal/authorize
    and /sandbox-admin/*."""
    import uvicorn

    from promodesk.shop_sandbox.app.asgi import create_shop_sandbox_app
    from promodesk.shop_sandbox.app.sandbox import ShopSandbox

    try:
        config = ShopSandboxConfig(
            app_key=app_key,
            app_secret=app_secret,
            shops=shops,
            products=products,
            skus_per_product=skus,
            activities=activities,
            enrollments=enrollments,
            coupons=coupons,
            activity_status=activity_status,
            qps=qps,
            rate_limit=not no_rate_limit,
            fault_rate=fault_rate,
            slow_rate=slow_rate,
            slow_seconds=slow_seconds,
            remove_noop=remove_noop,
            webhook_url=webhook_url,
            seed=seed,
        )
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    base = f"http://{host}:{port}"
    console.rule("[bold green]TikTok Shop Partner API sandbox")
    console.print(f"  API:        {base}/  (e.g. {base}/promotion/202309/activities/search)")
    console.print(f"  tokens:     {base}/api/v2/token/get, {base}/api/v2/token/refresh")
    console.print(
        f"  authorize:  {base}/shop-portal/authorize?app_key={app_key}&state=…&redirect_uri=…"
    )
    console.print(f"  app_key:    {app_key}")
    console.print(f"  app_secret: {app_secret}")
    console.print(
        f"  data:       {shops} shops × ({products} products, {activities} activities of "
        f"{enrollments} products, {coupons} coupons)"
    )
    limit = f"{qps} QPS per shop" if not no_rate_limit else "off"
    console.print(f"  rate limit: {limit}; stats at {base}/sandbox-admin/stats")
    console.print(f"  webhooks:   {webhook_url or 'off (set --webhook-url)'}")
    console.rule()
    sandbox = ShopSandbox(config, inline=True)
    try:
        uvicorn.run(create_shop_sandbox_app(sandbox), host=host, port=port, log_level="warning")
    finally:
        sandbox.close()
