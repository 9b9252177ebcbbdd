from ninja import NinjaAPI

api = NinjaAPI(title="NextSteps API", version="1", urls_namespace="api")
