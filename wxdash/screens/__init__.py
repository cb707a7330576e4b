"""The dashboard's modal screens: help, profile picker, profile form, confirmation."""
