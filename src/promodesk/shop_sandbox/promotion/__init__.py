"""The Partner API's promotion endpoints: ``activities`` (create, update, get, search,
deactivate, republish; status and time rules), ``activity_products`` (add, edit and remove an
activity's products and SKUs; quantity and price rules) and ``coupons`` (search, get)."""
