from django.urls import path

from meetings import action_views, public_views, views

app_name = "meetings"
urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting_list"),
    path("new/", views.MeetingAddView.as_view(), name="meeting_add"),
    path("<int:pk>/", views.MeetingView.as_view(), name="meeting"),
    path("<int:pk>/items/new/", views.ItemAddView.as_view(), name="item_add"),
    path("<int:pk>/items/<int:item>/", views.ItemView.as_view(), name="item"),
    path("<int:pk>/items/<int:item>/upload/", views.ItemUploadView.as_view(), name="item_upload"),
    path("<int:pk>/items/<int:item>/attach/", views.ItemAttachView.as_view(), name="item_attach"),
    path("<int:pk>/items/<int:item>/move/", views.ItemMoveView.as_view(), name="item_move"),
    path("<int:pk>/pack/", views.BuildPackView.as_view(), name="build_pack"),
    path("<int:pk>/packs/<int:pack>/", views.PackView.as_view(), name="pack"),
    path("<int:pk>/packs/<int:pack>/download/", views.PackDownloadView.as_view(), name="pack_download"),
    path(
        "<int:pk>/packs/<int:pack>/part-2/",
        views.PackDownloadView.as_view(part_2=True),
        name="pack_part_2_download",
    ),
    path("<int:pk>/packs/<int:pack>/publish/", views.PackPublishView.as_view(), name="pack_publish"),
]

# The public committee pages (meetings.public_views): no sign-in, published meetings, Part 1 only.
urlpatterns += [
    path("public/", public_views.PublicMeetingListView.as_view(), name="public_list"),
    path("public/<int:pk>/", public_views.PublicMeetingView.as_view(), name="public_meeting"),
    path(
        "public/<int:pk>/packs/<int:pack>/download/",
        public_views.PublicPackDownloadView.as_view(),
        name="public_pack_download",
    ),
    path("public/<int:pk>/items/<int:item>/", public_views.PublicReportView.as_view(), name="public_report"),
]

# Scrutiny actions (meetings.action_views): recorded at a meeting, answered by the officer responsible.
urlpatterns += [
    path("actions/", action_views.ActionIndexView.as_view(), name="action_index"),
    path(
        "committees/<int:committee>/actions/",
        action_views.CommitteeActionListView.as_view(),
        name="committee_actions",
    ),
    path("<int:pk>/actions/new/", action_views.RecordActionView.as_view(), name="action_add"),
    path("actions/<int:pk>/", action_views.ActionView.as_view(), name="action"),
    path("actions/<int:pk>/edit/", action_views.ActionEditView.as_view(), name="action_edit"),
    path("actions/<int:pk>/answer/", action_views.ActionAnswerView.as_view(), name="action_answer"),
]
