"""Exchange Web Services (EWS) front end of the Exchange Server emulator."""
