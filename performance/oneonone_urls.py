"""1:1 pages, under /one-on-ones/."""

from django.urls import path

from . import views_one_on_ones as views

urlpatterns = [
    path("", views.oneonone_list, name="oneonone-list"),
    path("start/", views.oneonone_start, name="oneonone-start"),
    path("<int:pk>/", views.oneonone_meeting, name="oneonone-meeting"),
    path("<int:pk>/invite.ics", views.oneonone_invite, name="oneonone-invite"),
    path("<int:pk>/points/", views.oneonone_point_add, name="oneonone-point-add"),
    path("<int:pk>/points/<int:point_pk>/check/", views.oneonone_point_check, name="oneonone-point-check"),
    path("<int:pk>/items/", views.oneonone_item_add, name="oneonone-item-add"),
    path("<int:pk>/items/<int:item_pk>/complete/", views.oneonone_item_complete, name="oneonone-item-complete"),
    path("<int:pk>/notes/", views.oneonone_notes, name="oneonone-notes"),
    path("<int:pk>/complete/", views.oneonone_complete, name="oneonone-complete"),
    path("<int:pk>/cancel/", views.oneonone_cancel, name="oneonone-cancel"),
    path("<int:pk>/reschedule/", views.oneonone_reschedule, name="oneonone-reschedule"),
]
