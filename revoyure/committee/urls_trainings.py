"""Trainings and AI literacy (AI Act art. 4) routes, part of the "committee" namespace."""

urlpatterns: list = []
