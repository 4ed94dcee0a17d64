from ninja import NinjaAPI

api = NinjaAPI(title="Cấp ủy số API", version="1", urls_namespace="api")
