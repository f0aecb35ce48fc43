from django.urls import path, re_path

from api import feeds

app_name = "open_data"

urlpatterns = [
    path("", feeds.OpenDataIndexView.as_view(), name="index"),
    path("connect/", feeds.ConnectView.as_view(), name="connect"),
    path("schemas/<slug:name>.json", feeds.SchemaView.as_view(), name="schema"),
    re_path(
        r"^(?P<year>[0-9]{4}-[0-9]{2})/datapackage\.json$",
        feeds.DataPackageView.as_view(),
        name="datapackage",
    ),
    re_path(
        r"^(?P<year>[0-9]{4}-[0-9]{2})/(?P<name>[a-z]+)\.(?P<extension>csv|json)$",
        feeds.FeedView.as_view(),
        name="feed",
    ),
]
