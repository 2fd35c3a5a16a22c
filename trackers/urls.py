app_name = "trackers"

urlpatterns: list = []
