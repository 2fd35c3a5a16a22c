app_name = "h5"

urlpatterns: list = []
