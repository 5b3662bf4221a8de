//! Popup login: the authorization request in a window the app's click
//! opened, its callback handed back to the opener.
