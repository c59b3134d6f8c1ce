"""The contract screens: the customer's handwritten signature pad and its signing dialog."""
