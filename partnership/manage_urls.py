"""The configuration pages, under /manage/ (namespace ``manage``)."""

from django.urls import path

from partnership import manage_views as views

app_name = "manage"

urlpatterns = [
    path("", views.index, name="index"),
    path("agencies/", views.agencies, name="agencies"),
    path("agencies/add/", views.agency_page, name="agency_add"),
    path("agencies/<int:agency_id>/", views.agency_page, name="agency_edit"),
    path("agencies/<int:agency_id>/single-sign-on/", views.agency_sign_on, name="agency_sign_on"),
    path("clearance-levels/", views.clearance_levels, name="clearance_levels"),
    path("clearance-levels/add/", views.clearance_page, name="clearance_add"),
    path("clearance-levels/<int:level_id>/", views.clearance_page, name="clearance_edit"),
    path("people/", views.people_list, name="people"),
    path("people/invite/", views.person_invite, name="person_invite"),
    path("people/import/", views.people_import, name="people_import"),
    path("people/<int:user_id>/", views.person, name="person"),
    path("people/<int:user_id>/change/", views.person_edit, name="person_edit"),
    path("people/<int:user_id>/<slug:action>/", views.person_action, name="person_action"),
    path("changes/", views.changes, name="changes"),
    path("changes/<int:request_id>/<slug:decision>/", views.change_decide, name="change_decide"),
    path("panels/", views.panels, name="panels"),
    path("panels/add/", views.panel_page, name="panel_add"),
    path("panels/<int:panel_id>/", views.panel_page, name="panel_edit"),
    path("settings/", views.partnership_settings, name="settings"),
]
