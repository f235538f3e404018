"""Pages of the publishing home: the calendar, the post form with its preview, the post's
page, and the held posts. Thin: parse, call a service, render."""
