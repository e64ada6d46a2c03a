from django.urls import path

from residents import views

urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
    path("account/butterflymx/disconnect/", views.disconnect, name="butterflymx_disconnect"),
]
