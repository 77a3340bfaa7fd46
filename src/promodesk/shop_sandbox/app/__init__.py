"""The shop sandbox's server: ``endpoints`` (the Partner API's paths and versions), ``checks``
(path, body, credentials and ``shop_cipher`` of a request), ``sandbox`` (``ShopSandbox``: state,
status watch, admin controls, API calls answered), ``admin`` (the ``/sandbox-admin/*`` routes)
and ``asgi`` (the Starlette app)."""
