"""Korean unless the user picked another language."""


class KoreanByDefaultMiddleware:
    """Ignore the browser's Accept-Language so the admin speaks Korean by default.

    A user who picks English in the admin's language switch (Django's set_language view, which
    sets the language cookie) gets English; LocaleMiddleware still reads that cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
