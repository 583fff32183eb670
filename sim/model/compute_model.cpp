// placeholder: written in issue 7
