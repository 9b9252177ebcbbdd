from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "nextsteps.reviews"
    label = "reviews"
    verbose_name = "Weekly RAG reviews and provider updates"
