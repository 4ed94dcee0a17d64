from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def date_widget():
    """A native date picker; the browser shows it in the user's locale (dd/mm/yyyy here)."""
    from django import forms

    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
