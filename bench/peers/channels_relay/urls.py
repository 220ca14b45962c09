from django.http import HttpResponse
from django.urls import path


def health(request: object) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("healthz", health)]
