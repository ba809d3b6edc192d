"""Development mail: a local SMTP catcher (`flask devmail serve`, started by `make run`) and the
development-only page /dev/mail that shows what it caught, so every link can be clicked."""
